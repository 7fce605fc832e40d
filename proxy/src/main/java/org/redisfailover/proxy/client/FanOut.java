package org.redisfailover.proxy.client;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.redisfailover.protocol.cluster.SlotMap;
import org.redisfailover.protocol.command.ClusterCommand;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.resp.RespElements;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.errors.ProxyErrors;

/**
 * A keyless command the server's tips send to every shard ({@code request_policy:all_shards}: DBSIZE, KEYS,
 * FLUSHALL, FUNCTION LOAD) or every node ({@code all_nodes}: SCRIPT LOAD, CONFIG SET), answered as one reply
 * merged by its {@code response_policy}: summed ({@code agg_sum}: DBSIZE), the least or greatest
 * ({@code agg_min}, {@code agg_max}), every node's success or the first error ({@code all_succeeded}), the first
 * success ({@code one_succeeded}), a logical AND or OR, and with no policy the arrays concatenated (KEYS) or
 * else the first reply that is not null (RANDOMKEY). A {@code special} reply (INFO, RANDOMKEY, SCAN) is no fan-out: one master answers.
 */
final class FanOut {

    private final ClusterCommand command;
    private final ReplySlot slot;
    private final ClusterRouting routing;
    private byte[][] frames;

    FanOut(ClusterCommand command, ReplySlot slot, ClusterRouting routing) {
        this.command = command;
        this.slot = slot;
        this.routing = routing;
    }

    static boolean fansOut(ClusterCommand command) {
        String request = command.requestPolicy();
        return ("all_shards".equals(request) || "all_nodes".equals(request))
                && !"special".equals(command.responsePolicy());
    }

    /** Sends {@code request} (ownership passes) to every master, or every node, of {@code map}. */
    void run(RedisRequest request, Route route, SlotMap map) {
        List<NodeAddress> targets = "all_nodes".equals(command.requestPolicy()) ? map.nodes() : map.masters();
        if (targets.isEmpty()) {
            request.release();
            slot.complete(Replies.error(ProxyErrors.noMaster("no master known in the cluster", 0)));
            return;
        }
        PartReplies parts = new PartReplies(targets.size(), slot, this::merge);
        for (int i = 0; i < targets.size(); i++) {
            request.retain();
            routing.sendTo(targets.get(i), request, parts.part(i), route, slot);
        }
        request.release();
    }

    private byte[] merge(byte[][] replies) {
        frames = replies;
        String policy = command.responsePolicy();
        byte[] firstError =
                Arrays.stream(frames).filter(PartReplies::isError).findFirst().orElse(null);
        if ("one_succeeded".equals(policy)) {
            return Arrays.stream(frames)
                    .filter(f -> !PartReplies.isError(f))
                    .findFirst()
                    .orElse(firstError);
        }
        if (firstError != null) {
            return firstError;
        }
        if (policy == null) {
            // Arrays (KEYS) are concatenated; otherwise a reply that is not null, from a shard picked at random among
            // those that have one (RANDOMKEY on Redis 7.0, before its tip said special: a key from any shard with
            // keys, not always from the same one).
            if (Arrays.stream(frames).allMatch(RespElements::isSequence)) {
                return concatenated();
            }
            byte[][] present = Arrays.stream(frames).filter(f -> !isNull(f)).toArray(byte[][]::new);
            return present.length == 0
                    ? frames[0]
                    : present[java.util.concurrent.ThreadLocalRandom.current().nextInt(present.length)];
        }
        return switch (policy) {
            case "agg_sum", "agg_min", "agg_max", "agg_logical_and", "agg_logical_or" -> aggregate(policy);
            default -> frames[0]; // all_succeeded: every node said so
        };
    }

    /** A null reply: RESP2's null bulk or array, RESP3's null. */
    private static boolean isNull(byte[] frame) {
        return frame.length > 0 && (frame[0] == '_' || ((frame[0] == '$' || frame[0] == '*') && frame[1] == '-'));
    }

    private byte[] aggregate(String policy) {
        long result = 0;
        for (int i = 0; i < frames.length; i++) {
            long value = Long.parseLong(new String(frames[i], 1, frames[i].length - 3, StandardCharsets.US_ASCII));
            result = i == 0
                    ? value
                    : switch (policy) {
                        case "agg_sum" -> result + value;
                        case "agg_min" -> Math.min(result, value);
                        case "agg_max" -> Math.max(result, value);
                        case "agg_logical_and" -> (result != 0 && value != 0) ? 1 : 0;
                        default -> (result != 0 || value != 0) ? 1 : 0;
                    };
        }
        return (":" + result + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private byte[] concatenated() {
        int total = 0;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] frame : frames) {
            int count = RespElements.count(frame);
            if (count > 0) {
                total += count;
                int first = RespElements.firstElement(frame);
                body.write(frame, first, frame.length - first);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("*" + total + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }
}

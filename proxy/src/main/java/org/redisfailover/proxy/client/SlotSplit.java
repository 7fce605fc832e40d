package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.redisfailover.protocol.cluster.HashSlots;
import org.redisfailover.protocol.command.ClusterCommand;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.RespElements;
import org.redisfailover.protocol.resp.RespWriter;

/**
 * A multi-key command whose keys span slots, split into one request per slot and answered as one, as the
 * server's own tips allow: {@code request_policy:multi_shard} with a reply that merges (MGET's values put back
 * in the client's key order; the counts of DEL, EXISTS, UNLINK and TOUCH summed; MSET's OK once all are). MSET
 * only when the operator asks for it (split, it is no longer atomic); MSETNX never (its NX would hold per slot).
 * A part that fails makes the whole reply that part's error. One per split request.
 */
final class SlotSplit {

    private final ClusterRouting routing;
    private final ClusterCommand command;
    private final ReplySlot slot;
    private final ByteBufAllocator alloc;
    /** Each part's reply frame; and, for MGET, the positions of its keys in the client's order. */
    private byte[][] frames;

    private List<List<Integer>> keyOrder;

    SlotSplit(ClusterRouting routing, ClusterCommand command, ReplySlot slot, ByteBufAllocator alloc) {
        this.routing = routing;
        this.command = command;
        this.slot = slot;
        this.alloc = alloc;
    }

    /** Whether {@code command}, with keys in several slots, may be split. */
    static boolean splits(ClusterCommand command, boolean splitMset) {
        if (!"multi_shard".equals(command.requestPolicy()) || command.name().equals("msetnx")) {
            return false;
        }
        String merge = command.responsePolicy();
        if (command.name().equals("mset")) {
            return splitMset;
        }
        return merge == null || merge.equals("agg_sum") || merge.equals("all_succeeded");
    }

    /** Splits {@code request} (ownership passes) and sends the parts. */
    void run(RedisRequest request, Route route) {
        int[] keys = command.keyPositions(request);
        int step = command.argsPerKey();
        Map<Integer, List<Integer>> bySlot = new LinkedHashMap<>();
        for (int k = 0; k < keys.length; k++) {
            int arg = keys[k];
            int keySlot = HashSlots.of(request.buffer(), request.argIndex(arg), request.argLength(arg));
            bySlot.computeIfAbsent(keySlot, s -> new ArrayList<>()).add(k);
        }
        List<RedisRequest> parts = new ArrayList<>();
        keyOrder = new ArrayList<>();
        int firstKey = keys[0];
        for (List<Integer> group : bySlot.values()) {
            List<byte[]> args = new ArrayList<>();
            for (int i = 0; i < firstKey; i++) {
                args.add(request.arg(i));
            }
            for (int k : group) {
                for (int i = 0; i < step && keys[k] + i < request.argc(); i++) {
                    args.add(request.arg(keys[k] + i));
                }
            }
            parts.add(RespWriter.request(alloc, args));
            keyOrder.add(group);
        }
        request.release();
        PartReplies replies = new PartReplies(parts.size(), slot, this::merged);
        for (int i = 0; i < parts.size(); i++) {
            routing.routePart(parts.get(i), route, slot, replies.part(i), 0);
        }
    }

    /** The parts' replies as one: the first error if a part failed, else merged as the response policy says. */
    private byte[] merged(byte[][] replies) {
        frames = replies;
        for (byte[] frame : frames) {
            if (PartReplies.isError(frame)) {
                return frame;
            }
        }
        return merge();
    }

    private byte[] merge() {
        String policy = command.responsePolicy();
        if ("agg_sum".equals(policy)) {
            long sum = 0;
            for (byte[] frame : frames) {
                sum += Long.parseLong(new String(frame, 1, frame.length - 3, StandardCharsets.US_ASCII));
            }
            return (":" + sum + "\r\n").getBytes(StandardCharsets.US_ASCII);
        }
        if ("all_succeeded".equals(policy)) {
            return frames[0];
        }
        return inKeyOrder();
    }

    /** The parts' arrays (one value per key) as one array in the order the client gave the keys. */
    private byte[] inKeyOrder() {
        int total = keyOrder.stream().mapToInt(List::size).sum();
        byte[][] values = new byte[total][];
        for (int p = 0; p < frames.length; p++) {
            byte[] frame = frames[p];
            int at = RespElements.firstElement(frame);
            for (int k : keyOrder.get(p)) {
                int end = RespElements.end(frame, at);
                values[k] = java.util.Arrays.copyOfRange(frame, at, end);
                at = end;
            }
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(("*" + total + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] value : values) {
            out.writeBytes(value);
        }
        return out.toByteArray();
    }
}

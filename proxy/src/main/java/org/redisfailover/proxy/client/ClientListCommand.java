package org.redisfailover.proxy.client;

import io.netty.channel.EventLoop;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.resp.RespNumbers;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.proxy.errors.ProxyErrors;
import org.redisfailover.proxy.loop.ProxyShared;

/**
 * CLIENT LIST: the proxy's own clients, each as CLIENT INFO describes it (its name, library, database, user,
 * subscriptions), as Redis lists its clients. Forwarded, it listed the proxy's backend connections, where every
 * client's name and library was the same. Redis' TYPE and ID filters, with Redis' errors. The permission is Redis':
 * the same command, matching no client ({@code CLIENT LIST ID 0}), runs first on the master (a replica when there is
 * none), on the client's connection, and a refusal (NOPERM) is the answer.
 */
final class ClientListCommand {

    private final GroupNodes nodes;
    private final ProxyShared shared;
    private final OwnConnections own;
    private final LaneContext lanes;
    private final ReplyOrderer replies;
    private final EventLoop eventLoop;
    private final Route route;

    ClientListCommand(
            GroupNodes nodes,
            ProxyShared shared,
            OwnConnections own,
            LaneContext lanes,
            ReplyOrderer replies,
            EventLoop eventLoop) {
        this.nodes = nodes;
        this.shared = shared;
        this.own = own;
        this.lanes = lanes;
        this.replies = replies;
        this.eventLoop = eventLoop;
        this.route = shared.classifier().classifyName("client|list");
    }

    /** Answers CLIENT LIST; {@code request} stays the caller's. */
    void run(RedisRequest request) {
        Predicate<Map<String, String>> filter;
        if (request.argc() == 2) {
            filter = client -> true;
        } else if (request.argc() == 4 && request.argEqualsIgnoreCase(2, "type")) {
            filter = byType(request.lowerCaseArg(3));
            if (filter == null) {
                replies.replyLocal(Replies.error("ERR Unknown client type '" + request.argAsString(3) + "'"));
                return;
            }
        } else if (request.argc() > 3 && request.argEqualsIgnoreCase(2, "id")) {
            Set<String> ids = new HashSet<>();
            for (int i = 3; i < request.argc(); i++) {
                long id = request.argAsLong(i);
                if (id == RespNumbers.INVALID) {
                    replies.replyLocal(Replies.error("ERR Invalid client ID"));
                    return;
                }
                ids.add(Long.toString(id));
            }
            filter = client -> ids.contains(client.get("id"));
        } else {
            replies.replyLocal(Replies.error("ERR syntax error"));
            return;
        }
        Topology topology = nodes.topology();
        NodeAddress node = nodes.master(topology);
        if (node == null) {
            List<NodeAddress> replicas = nodes.reachableReplicas(topology);
            node = replicas.isEmpty() ? null : replicas.get(0);
        }
        if (node == null) {
            replies.replyLocal(Replies.error(ProxyErrors.groupCommandNeedsMaster("CLIENT LIST")));
            return;
        }
        ReplySlot slot = lanes.forwardedSlot(route, true);
        NodeAddress checkedOn = node;
        nodes.call(node, List.of("CLIENT", "LIST", "ID", "0"), outcome -> {
            if (outcome.error()) {
                slot.complete(Replies.error(outcome.errorLine()));
            } else if (outcome.frame() == null) {
                slot.complete(Replies.error(ProxyErrors.unreachable(checkedOn, outcome.failure())));
            } else {
                list(slot, filter);
            }
        });
    }

    private void list(ReplySlot slot, Predicate<Map<String, String>> filter) {
        shared.clients()
                .describeAll()
                .whenComplete((lines, failure) -> eventLoop.execute(() -> {
                    StringBuilder text = new StringBuilder();
                    for (String line : lines == null ? List.<String>of() : lines) {
                        if (filter.test(fields(line))) {
                            text.append(line);
                        }
                    }
                    slot.complete(Replies.text(text.toString(), own.protocol()));
                }));
    }

    /** Redis' client types: a proxy's clients are never masters or replicas of it. */
    private static Predicate<Map<String, String>> byType(String type) {
        return switch (type) {
            case "normal" -> client -> !client.getOrDefault("flags", "").contains("P");
            case "pubsub" -> client -> client.getOrDefault("flags", "").contains("P");
            case "master", "replica", "slave" -> client -> false;
            default -> null;
        };
    }

    private static Map<String, String> fields(String line) {
        Map<String, String> fields = new HashMap<>();
        for (String pair : line.strip().split(" ")) {
            int equals = pair.indexOf('=');
            if (equals > 0) {
                fields.put(pair.substring(0, equals), pair.substring(equals + 1));
            }
        }
        return fields;
    }
}

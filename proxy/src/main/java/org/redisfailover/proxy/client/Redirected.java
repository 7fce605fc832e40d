package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.PendingReply;
import org.redisfailover.proxy.errors.ProxyErrors;

/**
 * The reply to a request sent to a cluster node, read before the client sees it: the cluster's redirections are
 * followed, never passed on (a cluster-aware client that saw one would bypass the proxy). MOVED: the slot has a
 * new master, learnt at once, and the request goes there. ASK: the slot is migrating and this key has left, so
 * the request goes once to the target with ASKING. TRYAGAIN (a multi-key request during a migration) and
 * CLUSTERDOWN (the cluster is failing a shard over): nothing ran, so it is routed again after a backoff, within
 * the hold timeout. Anything else is the reply.
 */
final class Redirected extends PendingReply {

    private final ClusterRouting routing;
    /** Retained until the reply: the request as it was sent, to send again. */
    private final RedisRequest request;

    private final Route route;
    /** The client's place in its reply order: times the waits. */
    private final ReplySlot slot;
    /** Where the reply goes: {@link #slot} itself, or a part of a split request. */
    private final PendingReply answer;

    /** The node it was sent to. */
    private final NodeAddress node;

    private final int hops;

    Redirected(
            ClusterRouting routing,
            RedisRequest request,
            Route route,
            ReplySlot slot,
            PendingReply answer,
            NodeAddress node,
            int hops) {
        this.node = node;
        this.routing = routing;
        this.request = request;
        this.route = route;
        this.slot = slot;
        this.answer = answer;
        this.hops = hops;
    }

    @Override
    public boolean onFrame(ByteBuf buffer, int start, int length) {
        if (length > 4 && buffer.getByte(start) == '-') {
            String line = redirection(buffer, start, length);
            if (line != null && redirect(line.split(" ", 2)[0], line)) {
                return true;
            }
            if (Replies.startsWith(buffer, start, length, "-NOSCRIPT")
                    && routing.reloadScript(request, route, slot, answer, node, hops)) {
                return true;
            }
        }
        request.release();
        answer.onFrame(buffer, start, length);
        return true;
    }

    private static final String[] REDIRECTIONS = {"-MOVED ", "-ASK ", "-TRYAGAIN", "-CLUSTERDOWN"};

    /**
     * The error line (without its {@code -}) of MOVED, ASK, TRYAGAIN or CLUSTERDOWN, with which a node says it ran
     * nothing of the request; null for any other reply, allocating nothing then.
     */
    static String redirection(ByteBuf buffer, int start, int length) {
        for (String kind : REDIRECTIONS) {
            if (Replies.startsWith(buffer, start, length, kind)) {
                return buffer.toString(start + 1, length - 3, StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /** The node a MOVED or ASK {@code line} sends the request to; null when it names none. */
    static NodeAddress target(String line) {
        String[] parts = line.split(" ");
        return parts.length == 3 ? parseAddress(parts[2]) : null;
    }

    /** Follows the redirection in {@code line}; false when the error goes to the client as it is. */
    private boolean redirect(String kind, String line) {
        if (!routing.open()) {
            return false;
        }
        routing.countRedirect(kind);
        switch (kind) {
            case "MOVED", "ASK" -> {
                if (hops + 1 > ClusterRouting.MAX_REDIRECTS) {
                    request.release();
                    answer.refused(ProxyErrors.tooManyRedirects(hops, line));
                    return true;
                }
                NodeAddress target = target(line);
                if (target == null) {
                    return false;
                }
                if (kind.equals("MOVED")) {
                    routing.moved(Integer.parseInt(line.split(" ")[1]), target);
                }
                routing.forward(
                        request, route, slot, answer, target, hops + 1, kind.equals("ASK") ? routing.asking() : null);
                return true;
            }
            default -> {
                // Not a hop: a migration or a failover may take longer than 8 retries; the hold timeout bounds them.
                if (!routing.retryLater(request, route, slot, answer, hops)) {
                    return false; // held as long as a request may be: Redis' own error, nothing ran
                }
                if (kind.equals("CLUSTERDOWN")) {
                    routing.nodeFailed();
                }
                return true;
            }
        }
    }

    /** {@code host:port} of a redirection; a node with no address known yet ({@code :0}) is no target. */
    private static NodeAddress parseAddress(String text) {
        try {
            NodeAddress address = NodeAddress.parse(text);
            return address.port() == 0 || address.host().isEmpty() ? null : address;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public void lost(NodeAddress node, String reason) {
        request.release();
        routing.nodeFailed();
        answer.lost(node, reason);
    }

    @Override
    public void refused(String errorLine) {
        request.release();
        answer.refused(errorLine);
    }

    /**
     * The connection failed before sending it: nothing ran, so it waits for the map to change or the node to
     * return (held with the client's later requests behind it; a part of a split request is tried again).
     */
    @Override
    public void unsent(RedisRequest handedBack, String errorLine) {
        handedBack.release();
        boolean waits = answer == slot
                ? routing.holdUnsent(request, route, slot)
                : routing.retryLater(request, route, slot, answer, hops);
        if (!waits) {
            request.release();
            answer.refused(errorLine);
        }
    }

    @Override
    public boolean timed() {
        return slot.timed();
    }
}

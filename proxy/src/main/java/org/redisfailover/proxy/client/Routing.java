package org.redisfailover.proxy.client;

import java.util.List;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.PendingReply;

/**
 * Which node serves a client's request, and on which connection: the one seam between the lanes, which keep a
 * client's order, and the shape of what the proxy fronts. A replication group ({@link GroupRouting}) is the first
 * shape; a cluster would be a second one (the node that owns the request's hash slot, MOVED and ASK followed),
 * and the lanes would not change. One instance per client, confined to its event loop.
 */
interface Routing {

    /**
     * Sends {@code request} (ownership passes), whose reply fills {@code slot}, to the node that serves it now on
     * the connection the client's state calls for; or holds it until a node can serve it; or fills {@code slot}
     * with the reason it cannot be served.
     */
    void send(RedisRequest request, Route route, ReplySlot slot);

    /**
     * The node a connection of the client's own opens on for {@code request} (a transaction, its subscriptions,
     * a blocking call, a login; null when a subscription link opens again with no request of its own): the node
     * that takes its writes; null while there is none, when the lane holds the request.
     */
    NodeAddress pinnedNode(RedisRequest request);

    /**
     * A request that waited for a shared connection which failed before sending it: whether it is taken again
     * (held until it can be routed anew), or must be refused.
     */
    boolean holdUnsent(RedisRequest request, Route route, ReplySlot slot);

    /**
     * Whether a connection of the client's own opens on the node of the request's keys, so that a transaction
     * opens at its first command rather than at MULTI (a cluster: that command's slot decides the node).
     */
    default boolean pinsByKey() {
        return false;
    }

    /**
     * What reads the replies on a connection of the client's own to {@code node} before {@code slot} does: in a cluster, a
     * redirection there (a queued command whose key is elsewhere) becomes Redis' CROSSSLOT error, never a MOVED
     * a cluster-aware client would follow around the proxy.
     */
    default PendingReply onOwnConnection(ReplySlot slot, NodeAddress node) {
        return slot;
    }

    /**
     * As {@link #onOwnConnection(ReplySlot, NodeAddress)}, for a command queued in a transaction: a redirection that
     * {@code absorb} takes (the transaction will run where the slot went) is answered QUEUED instead.
     */
    default PendingReply onOwnConnection(
            ReplySlot slot, NodeAddress node, java.util.function.Predicate<String> absorb) {
        return onOwnConnection(slot, node);
    }

    /** The hash slot of the request's keys in a cluster; -1 with no keys, keys in several slots, or no cluster. */
    default int keySlot(RedisRequest request) {
        return -1;
    }

    /** A node redirected a request on a connection of the client's own ({@code errorLine}: MOVED ...): noted. */
    default void redirected(String errorLine) {}

    /** Every node that takes writes now: in a cluster each shard's master, else the one master (none while unknown). */
    default List<NodeAddress> masters() {
        NodeAddress master = pinnedNode(null);
        return master == null ? List.of() : List.of(master);
    }

    /** The node a shard channel's subscription lives on: its slot's master in a cluster, else the master. */
    default NodeAddress shardChannelOwner(byte[] channel) {
        return pinnedNode(null);
    }

    /** Runs {@code listener} on the client's loop whenever the cluster's slot map changes ({@code on}), or no more. */
    default void watchMap(Runnable listener, boolean on) {}
}

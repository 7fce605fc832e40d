package org.redisfailover.proxy.client;

import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.BackendConnection;
import org.redisfailover.proxy.backend.IgnoredReply;
import org.redisfailover.proxy.backend.NothingWritten;
import org.redisfailover.proxy.backend.PendingReply;
import org.redisfailover.proxy.loop.ProxyShared;

/**
 * Cluster mode: the connection a request takes to a shard's master, and safe mode per shard. In safe mode
 * ({@code min-replica-acks} N) a write goes to the client's write connection to that master, where the batch of
 * writes is followed by one WAIT for N of the shard's replicas, as for a group; a read follows the client's own
 * unacknowledged write to the same master onto that connection, so it cannot pass it. A client on connections of
 * its own writes on them. One per client, confined to its event loop.
 */
final class ShardWrites {

    private final ProxyShared shared;
    private final ClientConnections connections;
    private final OwnConnections own;
    /** This client's latest write in safe mode, and its master: until answered, reads to that master follow it. */
    private ReplySlot lastWrite;

    private NodeAddress lastWriteNode;

    ShardWrites(ProxyShared shared, ClientConnections connections, OwnConnections own) {
        this.shared = shared;
        this.connections = connections;
        this.own = own;
    }

    /**
     * Sends {@code request} (ownership passes) to {@code node}, its reply to {@code reply}; {@code slot} is the
     * client's place in its reply order, {@code before} a request to send just before it on the same connection,
     * whose reply nobody reads (ASKING, SCRIPT LOAD), or null.
     */
    void send(
            NodeAddress node,
            RedisRequest request,
            PendingReply reply,
            Route route,
            ReplySlot slot,
            RedisRequest before) {
        NothingWritten proof = SafeWrites.command(shared.config(), route);
        boolean behindOwnWrite = lastWrite != null && !lastWrite.done() && node.equals(lastWriteNode);
        BackendConnection connection = own.inUse() || (proof == null && !behindOwnWrite)
                ? connections.to(node)
                : connections.writeConnection(node);
        if (before != null) {
            // Adjacent on the connection: nothing of another client's can come between the two.
            connections.send(connection, before, new IgnoredReply());
        }
        if (proof == null) {
            connections.send(connection, request, reply);
            return;
        }
        lastWrite = slot;
        lastWriteNode = node;
        connections.sendWrite(connection, request, reply, proof);
    }
}

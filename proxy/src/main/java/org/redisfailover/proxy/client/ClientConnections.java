package org.redisfailover.proxy.client;

import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.RespVersion;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.BackendConnection;
import org.redisfailover.proxy.backend.Handshake;
import org.redisfailover.proxy.backend.NothingWritten;
import org.redisfailover.proxy.backend.PendingReply;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.loop.LoopResources;
import org.redisfailover.proxy.loop.ProxyShared;

/**
 * The backend connections a client's requests take, in its database and protocol: its own ones while it runs
 * as its own Redis user or tracks keys ({@link OwnConnections}), else the loop's shared ones; connections
 * borrowed for one purpose (a transaction, a blocking call, subscriptions, a login); and how a request is sent
 * on one (with the client's backpressure, and in safe mode followed by a WAIT where it must be). Confined to the
 * client's event loop.
 */
final class ClientConnections {

    private final ProxyShared shared;
    private final LoopResources loop;
    private final ClientState state;
    private final OwnConnections own;
    private final Backpressure backpressure;
    // The last shared connection used, and what it was chosen for: most requests reuse it.
    private NodeAddress lastTarget;
    private int lastDb;
    private RespVersion lastProtocol;
    private int lastGeneration;
    private BackendConnection lastConnection;

    ClientConnections(
            ProxyShared shared, LoopResources loop, ClientState state, OwnConnections own, Backpressure backpressure) {
        this.shared = shared;
        this.loop = loop;
        this.state = state;
        this.own = own;
        this.backpressure = backpressure;
    }

    /** The connection for {@code target} in the client's database and protocol: its own one when it has its own, else the pool's. */
    BackendConnection to(NodeAddress target) {
        int db = state.db();
        if (own.inUse()) {
            return own.get(loop.pool, target, db, shared.config().databases());
        }
        int generation = loop.pool.generation();
        if (target != lastTarget || db != lastDb || own.protocol() != lastProtocol || generation != lastGeneration) {
            lastConnection = loop.pool.connection(target, db, own.protocol());
            lastTarget = target;
            lastDb = db;
            lastProtocol = own.protocol();
            lastGeneration = generation;
        }
        return lastConnection;
    }

    /** The loop's shared connection to {@code target} for scripts and functions, in the client's database and protocol. */
    BackendConnection forScripts(NodeAddress target) {
        return loop.pool.scriptConnection(target, state.db(), own.protocol());
    }

    /** The loop's shared RESP2 connection to {@code node} in the client's database, for a copy whose reply nobody reads. */
    BackendConnection forCopy(NodeAddress node) {
        return loop.pool.connection(node, state.db(), RespVersion.RESP2);
    }

    /** Safe mode: the shared write connection this client keeps to, on {@code master} (its writes keep their order there). */
    BackendConnection writeConnection(NodeAddress master) {
        return loop.pool.writeConnection(master, state.db(), own.protocol(), (int) state.id());
    }

    /** The client's own connection to {@code master}, opened if needed (a tracking client reads and writes there). */
    BackendConnection ownTo(NodeAddress master) {
        return own.get(loop.pool, master, state.db(), shared.config().databases());
    }

    /** A connection borrowed from the pool for one purpose, in the client's database, logging in with {@code handshake}. */
    BackendConnection borrow(NodeAddress node, BackendConnection.Purpose purpose, Handshake handshake) {
        return loop.pool.dedicated(node, state.db(), purpose, handshake);
    }

    /** A subscription link's connection: database 0 (subscriptions ignore the database), never reused by another. */
    BackendConnection subscription(NodeAddress node, Handshake handshake) {
        return loop.pool.dedicated(node, 0, BackendConnection.Purpose.SUBSCRIPTION, handshake);
    }

    /** A borrowed connection whose purpose ended cleanly: the pool may lend it again. */
    void giveBack(BackendConnection connection) {
        loop.pool.giveBack(connection);
    }

    /** The proxy is stopping: a broken connection is not opened again. */
    boolean closing() {
        return loop.pool.isClosed();
    }

    /** Sends {@code request} (ownership passes) on {@code connection}, reading paused while that backend falls behind. */
    void send(BackendConnection connection, RedisRequest request, PendingReply reply) {
        connection.send(request, reply, backpressure);
    }

    /**
     * Sends a request on a connection of the client's own (a transaction's, a blocking call's): with a
     * {@code proof} (safe mode, a request that may write), its reply waits for the replicas' acknowledgement,
     * asked with a WAIT of its own on that connection.
     */
    void sendOnOwn(BackendConnection connection, RedisRequest request, PendingReply reply, NothingWritten proof) {
        if (proof == null) {
            connection.send(request, reply, backpressure);
            return;
        }
        ProxyConfig config = shared.config();
        connection.sendWriteAndWait(
                request,
                reply,
                proof,
                backpressure,
                config.minReplicaAcks(),
                config.replicaAckTimeout().toMillis());
    }

    /** Sends a write on a connection that batches writes under one WAIT (safe mode's shared write connections, and the client's own). */
    void sendWrite(BackendConnection connection, RedisRequest request, PendingReply reply, NothingWritten proof) {
        connection.sendWrite(request, reply, proof, backpressure);
    }
}

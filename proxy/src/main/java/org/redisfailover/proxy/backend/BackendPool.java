package org.redisfailover.proxy.backend;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.redisfailover.protocol.resp.RespVersion;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.io.FlushBatcher;
import org.redisfailover.proxy.io.Transport;
import org.redisfailover.proxy.metrics.ProxyMetrics;

/**
 * The backend connections of one event loop: one per (node, database, protocol), created on first use
 * on the loop's own thread, so a client's request, its backend write, the reply and the reply's write
 * back all run on one thread without locks.
 */
public final class BackendPool {

    /** Spare dedicated connections kept per node: enough for bursts of transactions, few enough to be cheap. */
    private static final int MAX_IDLE_PER_NODE = 8;

    /** A high water mark well above one turn's requests, so many clients' requests batch into one write. */
    private static final WriteBufferWaterMark BACKEND_WATER_MARK = new WriteBufferWaterMark(256 * 1024, 1024 * 1024);

    private final EventLoop loop;
    private ProxyConfig config;
    private final ProxyMetrics metrics;
    /** Safe mode's write connections per node, database and protocol: a WAIT on one does not stop the next batch. */
    public static final int WRITE_CONNECTIONS = 2;

    private final Bootstrap bootstrap;

    private final NodeHealth health = new NodeHealth();
    private final BusyNodes busy = new BusyNodes(node -> urgent(node, Handshake.proxy(RespVersion.RESP2)));
    /** By node, then by database number (RESP2), then again (RESP3): no key object per lookup on the hot path. */
    private final Map<NodeAddress, BackendConnection[]> connections = new HashMap<>();
    /** Connections of a retired node still finishing their requests: checked for timeouts until closed. */
    private final List<BackendConnection> retiring = new ArrayList<>();
    /** Connections of one client each (transactions, blocking calls, subscriptions), by node. */
    private final Map<NodeAddress, List<BackendConnection>> dedicated = new HashMap<>();
    /** Dedicated connections a client gave back clean, ready for the next one: bounded per node. */
    private final Map<NodeAddress, ArrayDeque<BackendConnection>> idle = new HashMap<>();

    private final ScheduledFuture<?> timeoutCheck;
    private boolean closed;
    private int generation;
    /** What its connections work with (they never reach into the pool). */
    private final BackendContext context;

    public BackendPool(
            EventLoop loop,
            Transport transport,
            SslContext tls,
            GroupAccess groupAccess,
            ProxyConfig config,
            FlushBatcher batcher,
            ProxyMetrics metrics,
            Function<NodeAddress, String> expectedRunId) {
        this.loop = loop;
        this.config = config;
        this.metrics = metrics;
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        config.connectTimeout().toMillis())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, BACKEND_WATER_MARK);
        this.context = new BackendContext(
                loop, bootstrap, tls, batcher, metrics, health, groupAccess, expectedRunId, new Ownership());
        long period = Math.max(10, Math.min(250, config.backendTimeout().toMillis() / 4));
        this.timeoutCheck = loop.scheduleAtFixedRate(this::checkTimeouts, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * The shared connection to {@code node} for database {@code db} in {@code protocol}; must be called on
     * this pool's loop.
     */
    public BackendConnection connection(NodeAddress node, int db, RespVersion protocol) {
        BackendConnection[] byDb = connectionsOf(node);
        int index = protocol == RespVersion.RESP3 ? config.databases() + db : db;
        BackendConnection connection = byDb[index];
        if (connection == null) {
            connection = new BackendConnection(
                    node, db, context, BackendConnection.Purpose.SHARED, Handshake.proxy(protocol));
            byDb[index] = connection;
        }
        return connection;
    }

    /**
     * Safe mode: one of the {@link #WRITE_CONNECTIONS} shared connections to {@code node} that carry only
     * writes (and the reads of a client behind its own unacknowledged write), each batch ended by a WAIT.
     * Apart from the read connection, because a WAIT blocks its connection in Redis for a replication round
     * trip. {@code lane} picks one (a client keeps to one, so its writes keep their order).
     */
    public BackendConnection writeConnection(NodeAddress node, int db, RespVersion protocol, int lane) {
        BackendConnection[] byDb = connectionsOf(node);
        int index = config.databases() * 2 * (1 + Math.floorMod(lane, WRITE_CONNECTIONS))
                + (protocol == RespVersion.RESP3 ? config.databases() + db : db);
        BackendConnection connection = byDb[index];
        if (connection == null) {
            connection = new BackendConnection(
                    node, db, context, BackendConnection.Purpose.SHARED, Handshake.proxy(protocol));
            connection.awaitReplicaAcks(
                    config.minReplicaAcks(), config.replicaAckTimeout().toMillis());
            byDb[index] = connection;
        }
        return connection;
    }

    /**
     * The shared connection to {@code node} for database {@code db} in {@code protocol} that carries scripts and
     * functions (and the requests their clients send behind them until they are answered): a script that runs long
     * holds up only the scripts queued behind it, not every request of the loop.
     */
    public BackendConnection scriptConnection(NodeAddress node, int db, RespVersion protocol) {
        BackendConnection[] byDb = connectionsOf(node);
        int index = config.databases() * 2 * (1 + WRITE_CONNECTIONS)
                + (protocol == RespVersion.RESP3 ? config.databases() + db : db);
        BackendConnection connection = byDb[index];
        if (connection == null) {
            connection = new BackendConnection(
                    node, db, context, BackendConnection.Purpose.SHARED, Handshake.proxy(protocol));
            byDb[index] = connection;
        }
        return connection;
    }

    /** The shared connections to {@code node}: per protocol and database, the read ones, the write ones, the script ones. */
    private BackendConnection[] connectionsOf(NodeAddress node) {
        BackendConnection[] byDb = connections.get(node);
        if (byDb == null) {
            byDb = new BackendConnection[config.databases() * 2 * (2 + WRITE_CONNECTIONS)];
            connections.put(node, byDb);
        }
        return byDb;
    }

    /**
     * A connection of the caller's own to {@code node} and {@code db}, for state a shared connection
     * cannot carry, opened with {@code handshake}. It is never reconnected: when it breaks,
     * {@code onBroken} hears why. A clean one given back earlier is reused (one round trip less than a
     * new connection).
     */
    public BackendConnection dedicated(
            NodeAddress node, int db, BackendConnection.Purpose purpose, Handshake handshake) {
        ArrayDeque<BackendConnection> spare = idle.get(node);
        if (spare != null && handshake.shareable() && purpose != BackendConnection.Purpose.SUBSCRIPTION) {
            for (Iterator<BackendConnection> it = spare.iterator(); it.hasNext(); ) {
                BackendConnection candidate = it.next();
                if (candidate.db() == db
                        && candidate.purpose() == purpose
                        && candidate.handshake().protocol() == handshake.protocol()
                        && candidate.isIdle()) {
                    it.remove();
                    return candidate;
                }
            }
        }
        BackendConnection connection = new BackendConnection(node, db, context, purpose, handshake);
        if (purpose == BackendConnection.Purpose.CLIENT && config.minReplicaAcks() > 0) {
            // A client on connections of its own (its Redis user, tracking) writes on them: safe mode's group commit
            // there too.
            connection.awaitReplicaAcks(
                    config.minReplicaAcks(), config.replicaAckTimeout().toMillis());
        }
        dedicated.computeIfAbsent(node, n -> new ArrayList<>()).add(connection);
        metrics.pinnedConnections.inc();
        connection.connect();
        return connection;
    }

    /**
     * A connection of the proxy's own to {@code node} (the replication guard's heartbeat): like a dedicated
     * one, never reconnected and closed with its node, but no client's, so not counted as a pinned connection.
     */
    public BackendConnection control(NodeAddress node) {
        BackendConnection connection = new BackendConnection(
                node, 0, context, BackendConnection.Purpose.CONTROL, Handshake.proxy(RespVersion.RESP2));
        dedicated.computeIfAbsent(node, n -> new ArrayList<>()).add(connection);
        connection.connect();
        return connection;
    }

    /**
     * A connection that only logs in (with {@code handshake}'s credentials), for a command Redis runs while a
     * script keeps it busy: nothing queues on it but what the caller sends. Closed with its node; the caller
     * closes it when done.
     */
    public BackendConnection urgent(NodeAddress node, Handshake handshake) {
        BackendConnection connection =
                new BackendConnection(node, 0, context, BackendConnection.Purpose.URGENT, handshake.loginOnly());
        dedicated.computeIfAbsent(node, n -> new ArrayList<>()).add(connection);
        connection.connect();
        return connection;
    }

    /**
     * A dedicated connection its client is done with. The caller vouches that Redis holds no state of the
     * client's on it (no MULTI, WATCH, subscription or blocked call); it is kept for reuse while its node
     * is routed to, up to a few per node, and closed otherwise.
     */
    public void giveBack(BackendConnection connection) {
        connection.onBroken(null);
        connection.onUnsolicited(null);
        ArrayDeque<BackendConnection> spare = idle.computeIfAbsent(connection.node(), n -> new ArrayDeque<>());
        if (connection.isIdle()
                && connection.handshake().shareable()
                && connections.containsKey(connection.node())
                && spare.size() < MAX_IDLE_PER_NODE) {
            spare.add(connection);
        } else {
            connection.close();
        }
    }

    /** Called by a dedicated connection once it is closed for good. */
    void forgetDedicated(BackendConnection connection) {
        List<BackendConnection> ofNode = dedicated.get(connection.node());
        if (ofNode != null && ofNode.remove(connection)) {
            if (pinned(connection)) {
                metrics.pinnedConnections.dec();
            }
            if (ofNode.isEmpty()) {
                dedicated.remove(connection.node());
            }
        }
        ArrayDeque<BackendConnection> spare = idle.get(connection.node());
        if (spare != null) {
            spare.remove(connection);
        }
    }

    /**
     * Closes every connection to {@code node} for good (it was demoted or removed): what they carried
     * fails as on any loss, and the clients whose own connections these were are told. A later request
     * to the node opens a fresh connection.
     */
    public void closeNode(NodeAddress node) {
        closeDedicated(node);
        BackendConnection[] byDb = connections.remove(node);
        if (byDb == null) {
            return;
        }
        generation++;
        for (BackendConnection connection : byDb) {
            if (connection != null) {
                connection.close();
            }
        }
        health.markUp(node);
    }

    /**
     * Takes every connection to {@code node} out of use, like {@link #closeNode}, but lets each finish the
     * requests it already sent before it closes (a planned switchover). The future completes, on this
     * loop, once all of them have closed; the backend timeout bounds the wait.
     */
    public CompletableFuture<Void> retireNode(NodeAddress node) {
        retireDedicated(node);
        BackendConnection[] byDb = connections.remove(node);
        CompletableFuture<Void> drained = new CompletableFuture<>();
        if (byDb == null) {
            drained.complete(null);
            return drained;
        }
        generation++;
        List<BackendConnection> draining = new ArrayList<>();
        for (BackendConnection connection : byDb) {
            if (connection != null) {
                draining.add(connection);
            }
        }
        retiring.addAll(draining);
        int[] open = {draining.size()};
        for (BackendConnection connection : draining) {
            connection.retire(() -> {
                retiring.remove(connection);
                if (--open[0] == 0) {
                    health.markUp(node);
                    drained.complete(null);
                }
            });
        }
        return drained;
    }

    /** A client's own connection (the proxy's own heartbeat and checks are not counted as pinned). */
    private static boolean pinned(BackendConnection connection) {
        return connection.purpose() != BackendConnection.Purpose.CONTROL
                && connection.purpose() != BackendConnection.Purpose.URGENT;
    }

    private void closeDedicated(NodeAddress node) {
        List<BackendConnection> ofNode = dedicated.remove(node);
        idle.remove(node);
        if (ofNode != null) {
            metrics.pinnedConnections.dec(
                    ofNode.stream().filter(BackendPool::pinned).count());
            // Not closing on purpose: their clients must learn that the state they carried is gone.
            new ArrayList<>(ofNode).forEach(BackendConnection::breakOff);
        }
    }

    /**
     * A planned switchover: spare connections close; transactions finish what they sent, then end (their
     * clients see the transaction aborted); blocking calls and subscriptions stay, since Redis itself
     * unblocks the calls when it demotes the node and a replica still delivers what its master publishes.
     */
    private void retireDedicated(NodeAddress node) {
        ArrayDeque<BackendConnection> spare = idle.remove(node);
        if (spare != null) {
            new ArrayList<>(spare).forEach(BackendConnection::close);
        }
        List<BackendConnection> ofNode = dedicated.get(node);
        if (ofNode != null) {
            for (BackendConnection connection : new ArrayList<>(ofNode)) {
                if (connection.purpose() == BackendConnection.Purpose.TRANSACTION
                        || connection.purpose() == BackendConnection.Purpose.CLIENT) {
                    connection.retire(() -> connection.reportBroken(node + " stopped being the master (switchover)"));
                }
            }
        }
    }

    /** Changes whenever connections are closed for good: callers that cache a connection check it. */
    public int generation() {
        return generation;
    }

    /** Opens the database-0 connection to {@code node} now, so health is known before the first request. */
    public void warmUp(NodeAddress node) {
        connection(node, 0, RespVersion.RESP2).connect();
    }

    public NodeHealth health() {
        return health;
    }

    /**
     * A SCRIPT KILL or FUNCTION KILL stopped the script that kept {@code node} busy: what this loop learned of it
     * being busy no longer holds, so requests go to it at once instead of getting its last BUSY error.
     */
    public void scriptStopped(NodeAddress node) {
        busy.forget(node);
        BackendConnection[] byDb = connections.get(node);
        if (byDb != null) {
            for (BackendConnection connection : byDb) {
                if (connection != null) {
                    connection.busyEnded();
                }
            }
        }
    }

    /** The nodes this loop knows to be busy with a long script. */
    public BusyNodes busy() {
        return busy;
    }

    private void checkTimeouts() {
        long now = System.nanoTime();
        long timeout = config.backendTimeout().toNanos();
        for (BackendConnection[] byDb : connections.values()) {
            for (BackendConnection connection : byDb) {
                if (connection != null) {
                    checkTimeout(connection, now, timeout);
                }
            }
        }
        for (BackendConnection connection : new ArrayList<>(retiring)) {
            checkTimeout(connection, now, timeout);
        }
        for (List<BackendConnection> ofNode : new ArrayList<>(dedicated.values())) {
            for (BackendConnection connection : new ArrayList<>(ofNode)) {
                checkTimeout(connection, now, timeout);
            }
        }
        busy.endOfRound();
    }

    /**
     * A connection stalled past the backend timeout counts as dead, unless its node answered a check with BUSY:
     * alive, and running a long script ({@link BusyNodes}). A check's own connection is not checked that way.
     */
    private void checkTimeout(BackendConnection connection, long now, long timeout) {
        long stalled = connection.stalledNanos(now);
        if (stalled < BusyNodes.checkAfterNanos(timeout)) {
            return;
        }
        boolean mayWait = false;
        if (connection.purpose() != BackendConnection.Purpose.URGENT) {
            connection.reportStall();
            mayWait = busy.stalled(connection.node(), now, timeout);
        }
        if (stalled > timeout && !mayWait) {
            connection.timeOut(timeout);
        }
    }

    /** Closes every connection; pending requests fail. Must run on the loop. */
    public void close() {
        closed = true;
        timeoutCheck.cancel(false);
        for (BackendConnection[] byDb : connections.values()) {
            for (BackendConnection connection : byDb) {
                if (connection != null) {
                    connection.close();
                }
            }
        }
        connections.clear();
        new ArrayList<>(retiring).forEach(BackendConnection::close);
        for (NodeAddress node : new ArrayList<>(dedicated.keySet())) {
            closeDedicated(node);
        }
    }

    /** True once the proxy is shutting down: nothing opens new connections any more. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * A reloaded configuration (run on the loop): the backend timeout applies at the next check, the
     * connect timeout to the next connection. The databases count never changes at run time.
     */
    public void reconfigure(ProxyConfig reloaded) {
        config = reloaded;
        bootstrap.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                reloaded.connectTimeout().toMillis());
    }

    /** The pool as its connections see it: the configuration a reload replaced, whether it closed, and a dedicated connection's end. */
    private final class Ownership implements BackendContext.Owner {
        @Override
        public ProxyConfig config() {
            return config;
        }

        @Override
        public void stallEnded(NodeAddress node) {
            busy.forget(node);
        }

        @Override
        public boolean isClosed() {
            return closed;
        }

        @Override
        public void forgetDedicated(BackendConnection connection) {
            BackendPool.this.forgetDedicated(connection);
        }
    }
}

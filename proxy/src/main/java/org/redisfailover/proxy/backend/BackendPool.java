package org.redisfailover.proxy.backend;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.server.FlushBatcher;
import org.redisfailover.proxy.server.Transport;

/**
 * The backend connections of one event loop: one per (node, database), created on first use on the
 * loop's own thread, so a client's request, its backend write, the reply and the reply's write back all
 * run on one thread without locks.
 */
public final class BackendPool {

    /** A high water mark well above one turn's requests, so many clients' requests batch into one write. */
    private static final WriteBufferWaterMark BACKEND_WATER_MARK = new WriteBufferWaterMark(256 * 1024, 1024 * 1024);

    private final EventLoop loop;
    private final ProxyConfig config;
    private final FlushBatcher batcher;
    private final Bootstrap bootstrap;
    private final NodeHealth health = new NodeHealth();
    /** By node, then by database number: no key object per lookup on the hot path. */
    private final Map<NodeAddress, BackendConnection[]> connections = new HashMap<>();
    /** Connections of a retired node still finishing their requests: checked for timeouts until closed. */
    private final List<BackendConnection> retiring = new ArrayList<>();
    private final ScheduledFuture<?> timeoutCheck;
    private boolean closed;
    private int generation;

    public BackendPool(EventLoop loop, Transport transport, ProxyConfig config, FlushBatcher batcher) {
        this.loop = loop;
        this.config = config;
        this.batcher = batcher;
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, BACKEND_WATER_MARK);
        long period = Math.max(10, Math.min(250, config.backendTimeout().toMillis() / 4));
        this.timeoutCheck = loop.scheduleAtFixedRate(this::checkTimeouts, period, period, TimeUnit.MILLISECONDS);
    }

    /** The connection to {@code node} for database {@code db}; must be called on this pool's loop. */
    public BackendConnection connection(NodeAddress node, int db) {
        BackendConnection[] byDb = connections.get(node);
        if (byDb == null) {
            byDb = new BackendConnection[config.databases()];
            connections.put(node, byDb);
        }
        BackendConnection connection = byDb[db];
        if (connection == null) {
            connection = new BackendConnection(node, db, this);
            byDb[db] = connection;
        }
        return connection;
    }

    /**
     * Closes every connection to {@code node} for good (it was demoted or removed): what they carried
     * fails as on any loss. A later request to the node opens a fresh connection.
     */
    public void closeNode(NodeAddress node) {
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

    /** Changes whenever connections are closed for good: callers that cache a connection check it. */
    public int generation() {
        return generation;
    }

    /** Opens the database-0 connection to {@code node} now, so health is known before the first request. */
    public void warmUp(NodeAddress node) {
        connection(node, 0).connect();
    }

    public NodeHealth health() {
        return health;
    }

    private void checkTimeouts() {
        long now = System.nanoTime();
        long timeout = config.backendTimeout().toNanos();
        for (BackendConnection[] byDb : connections.values()) {
            for (BackendConnection connection : byDb) {
                if (connection != null) {
                    connection.checkTimeout(now, timeout);
                }
            }
        }
        for (BackendConnection connection : new ArrayList<>(retiring)) {
            connection.checkTimeout(now, timeout);
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
    }

    boolean isClosed() {
        return closed;
    }

    EventLoop loop() {
        return loop;
    }

    ProxyConfig config() {
        return config;
    }

    FlushBatcher batcher() {
        return batcher;
    }

    Bootstrap bootstrap() {
        return bootstrap;
    }
}

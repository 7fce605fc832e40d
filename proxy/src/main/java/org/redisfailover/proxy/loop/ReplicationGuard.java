package org.redisfailover.proxy.loop;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.redisfailover.protocol.resp.RespWriter;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.BackendConnection;
import org.redisfailover.proxy.backend.IgnoredReply;
import org.redisfailover.proxy.backend.PendingReply;
import org.redisfailover.proxy.topology.WriteLease;

/**
 * Renews the replication half of the {@link WriteLease}: every interval, on a master connection of its
 * own, a tiny write ({@code PUBLISH} on a channel of the proxy's) followed by {@code WAIT 1 <guard ms>}. When
 * a replica has acknowledged it, every write the master took before it is on a replica, and the lease runs
 * from the heartbeat's send time. A master cut off from its replicas stops renewing it, and the proxy stops
 * sending it writes once the guard time has passed: that bounds what an isolated master acknowledges and a
 * failover then discards to the guard time, where it would otherwise be everything until the proxy fenced.
 *
 * <p>Its connection checks the master's identity like every other (a master that restarted without its
 * data is not renewed); when the connection breaks, the lease is ended at once, since nothing is known
 * to replicate any more. One heartbeat is in flight at a time. Runs on one event loop; the lease it renews
 * is read by all of them.
 */
public final class ReplicationGuard {

    /** Written by the heartbeat; nobody subscribes, Redis propagates it to the replicas like any write. */
    private static final String CHANNEL = "__redis-failover__:replication-heartbeat";

    private final ProxyShared shared;
    private final LoopResources loop;
    private final ScheduledFuture<?> timer;
    private BackendConnection connection;
    private boolean inFlight;

    ReplicationGuard(ProxyShared shared, LoopResources loop, EventLoop eventLoop) {
        this.shared = shared;
        this.loop = loop;
        long interval = Math.max(10, Math.min(100, shared.topology().lease().guardMillis() / 10));
        this.timer = eventLoop.scheduleWithFixedDelay(this::beat, interval, interval, TimeUnit.MILLISECONDS);
    }

    private void beat() {
        WriteLease lease = shared.topology().lease();
        NodeAddress master = lease.guardedMaster();
        if (master == null
                || inFlight
                || loop.pool.isClosed()
                || shared.topology().isFenced()) {
            return; // fenced, the proxy has closed its connections to the master and writes nothing anyway
        }
        if (connection != null && (connection.isClosed() || !connection.node().equals(master))) {
            connection.close();
            connection = null;
        }
        if (connection == null) {
            connection = loop.pool.control(master);
            BackendConnection opened = connection;
            opened.onBroken(reason -> {
                if (connection == opened) {
                    connection = null;
                }
                lease.replicationUnknown(opened.node());
            });
        }
        inFlight = true;
        long sentAt = System.nanoTime();
        connection.send(RespWriter.request(ByteBufAllocator.DEFAULT, "PUBLISH", CHANNEL, ""), new IgnoredReply(), null);
        connection.send(
                RespWriter.request(ByteBufAllocator.DEFAULT, "WAIT", "1", Long.toString(lease.guardMillis())),
                new WaitReply(master, sentAt),
                null);
    }

    void close() {
        timer.cancel(false);
        if (connection != null) {
            connection.onBroken(null);
            connection.close();
        }
    }

    /** WAIT's answer: the number of replicas that acknowledged the heartbeat. */
    private final class WaitReply extends PendingReply {

        private final NodeAddress master;
        private final long heartbeatSentAt;

        WaitReply(NodeAddress master, long heartbeatSentAt) {
            this.master = master;
            this.heartbeatSentAt = heartbeatSentAt;
        }

        @Override
        public boolean mayBlock() {
            return true; // WAIT blocks up to its own timeout, the guard time
        }

        @Override
        public boolean onFrame(ByteBuf buffer, int start, int length) {
            inFlight = false;
            if (buffer.getByte(start) == ':'
                    && length > 3
                    && buffer.getByte(start + 1) != '0'
                    && shared.topology().lease().replicated(master, heartbeatSentAt)) {
                shared.topology().leaseRestored();
            }
            return true;
        }

        @Override
        public void lost(NodeAddress node, String reason) {
            inFlight = false;
        }

        @Override
        public void refused(String errorLine) {
            inFlight = false;
        }
    }
}

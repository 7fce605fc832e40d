package org.redisfailover.proxy.loop;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.redisfailover.protocol.resp.InfoText;
import org.redisfailover.protocol.resp.RespVersion;
import org.redisfailover.protocol.resp.RespWriter;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.proxy.backend.PendingReply;
import org.redisfailover.proxy.config.ReadPolicy;
import org.redisfailover.proxy.topology.ReplicationOffsets;

/**
 * Samples the replication offset of the master and of every replica with {@code INFO replication}, on
 * one event loop's shared connections, every {@code offset-probe-interval-ms} while the read policy is
 * read-your-writes (and not at all otherwise). One INFO per node is in flight at most.
 */
public final class OffsetProbe {

    private final ProxyShared shared;
    private final LoopResources loop;
    private final ReplicationOffsets offsets;
    private final Set<NodeAddress> inFlight = new HashSet<>();
    private final ScheduledFuture<?> timer;

    OffsetProbe(ProxyShared shared, LoopResources loop, EventLoop eventLoop) {
        this.shared = shared;
        this.loop = loop;
        this.offsets = shared.offsets();
        long interval = shared.config().offsetProbeInterval().toMillis();
        this.timer = eventLoop.scheduleAtFixedRate(this::sample, interval, interval, TimeUnit.MILLISECONDS);
    }

    private void sample() {
        if (shared.config().readPolicy() != ReadPolicy.READ_YOUR_WRITES || loop.pool.isClosed()) {
            return;
        }
        Topology topology = shared.topology().current();
        NodeAddress master = shared.topology().writableMaster();
        if (master != null) {
            probe(master, master);
        }
        for (NodeAddress replica : topology.replicas()) {
            probe(replica, topology.master());
        }
    }

    /** Asks {@code node} for its offset in the replication stream of {@code streamMaster} (the node itself for the master). */
    private void probe(NodeAddress node, NodeAddress streamMaster) {
        boolean master = node.equals(streamMaster);
        if (!loop.pool.health().isHealthy(node) || !inFlight.add(node)) {
            return;
        }
        long sentAt = System.nanoTime();
        loop.pool
                .connection(node, 0, RespVersion.RESP2)
                .send(
                        RespWriter.request(ByteBufAllocator.DEFAULT, "INFO", "replication"),
                        new PendingReply() {

                            @Override
                            public boolean onFrame(ByteBuf buffer, int start, int length) {
                                inFlight.remove(node);
                                long offset = InfoText.number(
                                        InfoText.fields(buffer.toString(start, length, StandardCharsets.US_ASCII)),
                                        master ? "master_repl_offset" : "slave_repl_offset");
                                if (offset >= 0 && master) {
                                    offsets.recordMaster(node, sentAt, offset);
                                } else if (offset >= 0 && streamMaster != null) {
                                    offsets.recordReplica(streamMaster, node, offset);
                                }
                                return true;
                            }

                            @Override
                            public void lost(NodeAddress lostNode, String reason) {
                                inFlight.remove(node);
                            }

                            @Override
                            public void refused(String errorLine) {
                                inFlight.remove(node);
                            }
                        },
                        null);
    }

    void close() {
        timer.cancel(false);
    }
}

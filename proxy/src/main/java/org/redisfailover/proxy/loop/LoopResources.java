package org.redisfailover.proxy.loop;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.redisfailover.protocol.cluster.SlotMap;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.proxy.backend.BackendPool;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.io.FlushBatcher;
import org.redisfailover.proxy.metrics.RequestCounts;
import org.redisfailover.proxy.topology.WriteLease;

/**
 * What one event loop owns: its backend connections, its flush batcher, its read round-robin, the
 * requests it holds while there is no master and the replies it keeps until the ZooKeeper lease holds again.
 * Confined to the loop.
 */
public final class LoopResources {

    public final FlushBatcher batcher;
    public final BackendPool pool;
    public final ReadRouter router = new ReadRouter();
    public final RequestCounts requestCounts;
    public final HeldRequests held;
    public final RepliesAwaitingLease awaitingLease;
    private final ProxyShared shared;
    private final ScheduledFuture<?> holdExpiry;
    /** Completes when the connections of a master retired by a switchover have finished their requests. */
    private CompletableFuture<Void> retired = CompletableFuture.completedFuture(null);

    /** On one loop of the proxy: samples replication offsets for the read-your-writes policy. */
    private final OffsetProbe offsetProbe;
    /** On one loop of a proxy following ZooKeeper with the guard on: renews the replication lease. */
    private final ReplicationGuard replicationGuard;
    /** On one loop in cluster mode: reads the slot map. */
    private final ClusterRefresher clusterRefresher;
    /** A client's subscriptions, which move when their slots or masters do. */
    private final Set<Runnable> clusterWatchers = new LinkedHashSet<>();

    public LoopResources(EventLoop loop, ProxyShared shared, boolean first) {
        ProxyConfig config = shared.config();
        this.shared = shared;
        this.batcher = new FlushBatcher(loop);
        this.requestCounts = new RequestCounts(shared.metrics());
        this.pool = new BackendPool(
                loop,
                shared.transport(),
                shared.backendTls(),
                shared.groupAccess(),
                config,
                batcher,
                shared.metrics(),
                node -> {
                    Topology topology = shared.topology().current();
                    return node.equals(topology.master()) && topology.masterIdentity() != null
                            ? topology.masterIdentity().runId()
                            : null;
                });
        this.held = new HeldRequests(config, shared.metrics(), shared.topology());
        this.awaitingLease = new RepliesAwaitingLease(shared.topology(), shared.metrics());
        // A master that comes back before any failover gets the requests held while it was away.
        pool.health().onRecovered(node -> {
            shared.reachability().up(node);
            held.releaseAll();
        });
        pool.health().onDown(shared.reachability()::down);
        long period = Math.max(10, Math.min(100, config.holdTimeout().toMillis() / 10));
        this.holdExpiry =
                loop.scheduleAtFixedRate(() -> held.expire(System.nanoTime()), period, period, TimeUnit.MILLISECONDS);
        this.offsetProbe = first ? new OffsetProbe(shared, this, loop) : null;
        WriteLease lease = shared.topology().lease();
        this.replicationGuard = first && lease.followsZooKeeper() && lease.guardMillis() > 0
                ? new ReplicationGuard(shared, this, loop)
                : null;
        this.clusterRefresher = first && shared.cluster() != null
                ? new ClusterRefresher(shared.cluster(), config.cluster(), shared.clusterMetrics(), this, loop)
                : null;
    }

    /**
     * Cluster mode: who serves which slot changed (run on this loop). A node the map no longer names (a master
     * that failed) loses its connections, so what was in flight there is answered now, UNCERTAIN for a write,
     * rather than at the backend timeout; the held requests go to the slots' masters now.
     */
    public void onClusterChanged(SlotMap previous, SlotMap current) {
        if (previous != null) {
            Set<NodeAddress> named = new HashSet<>(current.nodes());
            for (NodeAddress node : previous.nodes()) {
                if (!named.contains(node)) {
                    pool.closeNode(node);
                }
            }
        }
        held.releaseAll();
        for (Runnable watcher : List.copyOf(clusterWatchers)) {
            watcher.run();
        }
    }

    /** Runs {@code watcher} after every change of the cluster's slot map ({@code on}), or no more; loop-confined. */
    public void watchCluster(Runnable watcher, boolean on) {
        if (on) {
            clusterWatchers.add(watcher);
        } else {
            clusterWatchers.remove(watcher);
        }
    }

    /** The master to write to now (see {@link #writableMaster(Topology)}). */
    public NodeAddress writableMaster() {
        return writableMaster(shared.topology().current());
    }

    /**
     * The master of {@code topology} to write to now. Following ZooKeeper, a master this loop cannot reach
     * counts as none: a failover is coming (or the master returns), so requests wait for it instead of
     * failing. With a fixed master nobody will replace it, so requests fail fast instead.
     */
    public NodeAddress writableMaster(Topology topology) {
        NodeAddress master = shared.topology().writableMaster(topology);
        if (master != null
                && shared.config().zooKeeper() != null
                && !pool.health().isHealthy(master)) {
            return null;
        }
        return master;
    }

    /**
     * The topology or the fence changed (run on this loop). A node that stopped being the master (or
     * left the group) loses its connections first, so nothing sent from now on can reach it and what
     * was in flight fails honestly; then the held requests go to whatever master there is now. In a
     * planned switchover the old master is healthy: its connections finish what they carry first, and
     * {@link #retired()} tells when.
     */
    public void onRoutingChanged(Topology previous, Topology current, NodeAddress writableMaster) {
        Set<NodeAddress> stillRouted = new HashSet<>(current.replicas());
        if (writableMaster != null) {
            stillRouted.add(writableMaster);
        }
        if (previous.master() != null && !Objects.equals(previous.master(), writableMaster)) {
            if (current.phase() == Topology.Phase.SWITCHOVER
                    && previous.master().equals(current.previousMaster())) {
                retired = pool.retireNode(previous.master());
            } else {
                pool.closeNode(previous.master());
            }
        }
        if (current.master() != null
                && current.master().equals(previous.master())
                && previous.masterIdentity() != null
                && current.masterIdentity() != null
                && !previous.masterIdentity()
                        .runId()
                        .equals(current.masterIdentity().runId())) {
            // The same address is another process now (it restarted, with its data): reconnect to it, checked anew.
            pool.closeNode(current.master());
        }
        for (NodeAddress replica : previous.replicas()) {
            if (!stillRouted.contains(replica)) {
                pool.closeNode(replica);
            }
        }
        // Replies first: a write sent before the lease lapsed answers before the writes held since.
        awaitingLease.settle();
        held.releaseAll();
    }

    /** A reloaded configuration, applied on this loop: new hold bounds and backend timeouts. */
    public void reconfigure(ProxyConfig reloaded) {
        held.reconfigure(reloaded);
        pool.reconfigure(reloaded);
    }

    /** Completes (on this loop) once no request is in flight on a master this loop has stopped writing to. */
    public CompletableFuture<Void> retired() {
        return retired;
    }

    /** Proxy shutdown: fail what is held, stop the timer, close the connections. */
    public void close() {
        holdExpiry.cancel(false);
        if (offsetProbe != null) {
            offsetProbe.close();
        }
        if (replicationGuard != null) {
            replicationGuard.close();
        }
        if (clusterRefresher != null) {
            clusterRefresher.close();
        }
        awaitingLease.failAll();
        held.failAll("proxy shutting down");
        pool.close();
    }
}

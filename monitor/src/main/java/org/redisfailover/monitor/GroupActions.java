package org.redisfailover.monitor;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.NodeIdentity;
import org.redisfailover.protocol.topology.ReplicaAcksAgreement;
import org.redisfailover.protocol.topology.SwitchEvent;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.protocol.topology.TopologyJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.args.ClientPauseMode;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Everything the leader does to the group, each act fenced: topology writes are compare-and-sets on the
 * znode version the step holds, and every Redis command is preceded by a fresh {@link Leadership#confirm}
 * at that same version, so a monitor that lost its leadership (or whose step was overtaken) changes
 * nothing more. A step carries the version it holds through these calls.
 */
final class GroupActions {

    private static final Logger log = LoggerFactory.getLogger(GroupActions.class);

    private final CuratorFramework client;
    private final MonitorSettings settings;
    private final Leadership leadership;
    private final NodeProbes probes;
    private final ProxyAcks acks;
    private final MonitorViews views;
    private final SyncSetKeeper syncSet;
    private long mismatchLoggedAtNanos;

    GroupActions(
            CuratorFramework client,
            MonitorSettings settings,
            Leadership leadership,
            NodeProbes probes,
            ProxyAcks acks,
            MonitorViews views) {
        this.client = client;
        this.settings = settings;
        this.leadership = leadership;
        this.probes = probes;
        this.acks = acks;
        this.views = views;
        this.syncSet = new SyncSetKeeper(client, settings, leadership, this::minReplicaAcks);
    }

    /**
     * The safe mode this leader promotes under: the highest N among its own, the registered proxies' and the live
     * monitors'. They must all be the same; when they are not (a misconfiguration, or a rolling change of N) the
     * highest is the one whose acknowledged writes a promotion must not lose, and the mismatch is logged every minute.
     */
    int minReplicaAcks() {
        Map<String, Integer> byMember = new HashMap<>(acks.minReplicaAcksByProxy());
        byMember.putAll(views.minReplicaAcksByMonitor());
        byMember.put("monitor " + settings.id(), settings.minReplicaAcks());
        String mismatch = ReplicaAcksAgreement.mismatch(byMember);
        long now = System.nanoTime();
        if (mismatch != null && now - mismatchLoggedAtNanos > 60_000_000_000L) {
            mismatchLoggedAtNanos = now;
            log.error("{}", mismatch);
        }
        return byMember.values().stream()
                .filter(n -> n != null)
                .mapToInt(Integer::intValue)
                .max()
                .orElse(settings.minReplicaAcks());
    }

    MonitorSettings settings() {
        return settings;
    }

    /** Safe mode's sync set: the replicas a failover must count on. */
    SyncSetKeeper syncSet() {
        return syncSet;
    }

    /** The topology and its znode version, or null when there is none. */
    VersionedTopology read() throws Exception {
        Stat stat = new Stat();
        try {
            byte[] data = client.getData()
                    .storingStatIn(stat)
                    .forPath(settings.layout().topology());
            return new VersionedTopology(TopologyJson.decode(data), stat.getVersion());
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
    }

    /** A topology with the znode version it was read or written at. */
    record VersionedTopology(Topology topology, int version) {}

    /** Compare-and-set on the znode version; a stale leader fails here. Returns the new version. */
    int write(Topology topology, int expectedVersion) throws Exception {
        if (!leadership.believed()) {
            throw new Leadership.Lost("this monitor no longer leads");
        }
        Stat stat = client.setData()
                .withVersion(expectedVersion)
                .forPath(settings.layout().topology(), TopologyJson.encode(topology));
        return stat.getVersion();
    }

    /** Creates the topology znode (first start, or re-seeding a lost one); false if someone else did meanwhile. */
    boolean create(Topology topology) throws Exception {
        leadership.confirm(-1);
        try {
            client.create()
                    .creatingParentsIfNeeded()
                    .forPath(settings.layout().topology(), TopologyJson.encode(topology));
            return true;
        } catch (KeeperException.NodeExistsException raced) {
            return false;
        }
    }

    /**
     * Waits for the proxies to acknowledge {@code epoch}, written at {@code writtenAtNanos} (see {@link ProxyAcks}).
     * Between waits only the local view of the leadership is asked: no Redis command is sent meanwhile, and the
     * next one is preceded by a check with ZooKeeper anyway.
     */
    ProxyAcks.Outcome awaitProxies(long epoch, long writtenAtNanos, int version) throws Exception {
        ProxyAcks.Outcome outcome = acks.await(epoch, writtenAtNanos, () -> {
            if (!leadership.believed()) {
                throw new Leadership.Lost("this monitor no longer leads");
            }
        });
        if (!outcome.waitedOut().isEmpty()) {
            log.warn(
                    "proxies {} did not acknowledge epoch {}: waited {} ms, past their fence timeouts, so they have stopped writing",
                    outcome.waitedOut(),
                    epoch,
                    outcome.waitedMillis());
        }
        return outcome;
    }

    /** Fresh probes of {@code nodes}, taken now. */
    Map<NodeAddress, NodeStatus> probe(Collection<NodeAddress> nodes) throws InterruptedException {
        return probes.probeNow(nodes);
    }

    /** Makes {@code node} a master; returns its identity as it is now (its replication id is new). */
    NodeIdentity promote(NodeAddress node, int version) throws Exception {
        return promote(node, List.of(), version);
    }

    /**
     * Makes {@code node} a master and points {@code replicas} at it, the commands sent back to back after one
     * leadership check (a switch holds writes meanwhile: every round trip counts). Returns the new master's
     * identity as it is now (its replication id is new).
     */
    NodeIdentity promote(NodeAddress node, Collection<NodeAddress> replicas, int version) throws Exception {
        leadership.confirm(version);
        probes.prober(node).command(jedis -> jedis.replicaofNoOne());
        repointConfirmed(replicas, node);
        NodeStatus status = probes.prober(node).probe();
        if (!status.reachable() || !status.master()) {
            throw new IllegalStateException(node + " did not become master after REPLICAOF NO ONE");
        }
        return status.identity();
    }

    /** Points {@code replica} at {@code master} (see {@link #repointAll}). */
    void repoint(NodeAddress replica, NodeAddress master, int version) throws Exception {
        repointAll(List.of(replica), master, version);
    }

    /**
     * Points each of {@code replicas} at {@code master}, the commands sent back to back after one leadership
     * check; in safe mode they join the master's sync set first, since WAIT counts them once attached. A node
     * that cannot be reached now is left to {@link Reconciliation} when it returns.
     */
    void repointAll(Collection<NodeAddress> replicas, NodeAddress master, int version) throws Exception {
        if (replicas.isEmpty()) {
            return;
        }
        leadership.confirm(version);
        syncSet.beforeAttaching(replicas, master, version);
        repointConfirmed(replicas, master);
    }

    private void repointConfirmed(Collection<NodeAddress> replicas, NodeAddress master) {
        for (NodeAddress replica : replicas) {
            try {
                probes.prober(replica).command(jedis -> jedis.replicaof(master.host(), master.port()));
            } catch (JedisException e) {
                log.warn("could not point {} at {}: {}", replica, master, e.toString());
            }
        }
    }

    /**
     * Points each of {@code nodes} at itself ({@code REPLICAOF its own address}), after one leadership check: it keeps
     * its data, replication id and offset, can sync from nobody, and answers any replica that follows it that it has
     * nothing to give ({@code -NOMASTERLINK}), so that replica keeps its data too. Applied to the replicas of a failed
     * master while the failover waits, and to that master should it come back without its data: an empty master must
     * never become the replicas' sync source. A later promotion or {@link Reconciliation} points them at the new
     * master, which continues them where they stopped (a partial resync).
     */
    void isolate(Collection<NodeAddress> nodes, int version) throws Exception {
        leadership.confirm(version);
        for (NodeAddress node : nodes) {
            try {
                probes.prober(node).command(jedis -> jedis.replicaof(node.host(), node.port()));
            } catch (JedisException e) {
                log.warn("could not isolate {}: {}", node, e.toString());
            }
        }
    }

    /** Pauses {@code node}'s writes for {@code millis} (a switchover's catch-up); throws if Redis refused. */
    void pauseWrites(NodeAddress node, long millis, int version) throws Exception {
        leadership.confirm(version);
        probes.prober(node).command(jedis -> jedis.clientPause(millis, ClientPauseMode.WRITE));
    }

    /** Ends a pause early; a failure is only logged, since the pause ends by itself at its timeout. */
    void unpause(NodeAddress node, int version) throws Exception {
        leadership.confirm(version);
        try {
            probes.prober(node).command(jedis -> jedis.clientUnpause());
        } catch (JedisException e) {
            log.warn("could not unpause {}: {}", node, e.toString());
        }
    }

    /** The replication offset of {@code node} now (a probe), or -1 when it cannot say. */
    long offset(NodeAddress node) {
        NodeStatus status = probes.prober(node).probe();
        return status.reachable() ? status.offset() : -1;
    }

    void record(SwitchEvent event) {
        SwitchHistory.append(client, settings.layout(), event);
    }

    /** The highest epoch live proxies and monitors report (from their caches: cheap enough for every round). */
    long highestEpochLive(MonitorViews views) {
        return Math.max(acks.highestEpoch(), views.highestEpoch());
    }

    /** The highest epoch any record knows: live proxies and monitors, and the history. */
    long highestEpochElsewhere(MonitorViews views) throws Exception {
        long fromHistory = SwitchHistory.recent(client, settings.layout(), SwitchHistory.LIMIT).stream()
                .mapToLong(SwitchEvent::epoch)
                .max()
                .orElse(0);
        return Math.max(fromHistory, highestEpochLive(views));
    }
}

package org.redisfailover.monitor;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.protocol.topology.TopologyJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisException;

/**
 * What the leading monitor does each round: seed the topology, fail over a master that a majority of
 * monitors see down, finish a switch a previous leader left half done, and demote a stray master.
 *
 * <p>Leadership is advisory (research Z1/Z2): it is checked again before every Redis command, and every
 * topology change is a compare-and-set on the znode version read in the same round, with a strictly
 * greater epoch; a stale leader's writes fail.
 *
 * <p>Failover is two-phase: publish "no master" at epoch e+1, wait until every registered proxy has
 * applied it (or the wait, at least a proxy session timeout, ends: an unacknowledging proxy fenced
 * itself and its registration expired), then promote the replica with the highest replication offset
 * (priority above 0), re-point the others, and publish it at e+2.
 */
final class Coordinator {

    private static final Logger log = LoggerFactory.getLogger(Coordinator.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final CuratorFramework client;
    private final MonitorSettings settings;
    private final LeaderLatch latch;
    private final Function<NodeAddress, NodeProber> probers;

    Coordinator(CuratorFramework client, MonitorSettings settings, LeaderLatch latch, Function<NodeAddress, NodeProber> probers) {
        this.client = client;
        this.settings = settings;
        this.latch = latch;
        this.probers = probers;
    }

    /** The current topology, or null when none has been written yet. */
    Topology readTopology() throws Exception {
        try {
            return TopologyJson.decode(client.getData().forPath(settings.layout().topology()));
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
    }

    void lead(Map<NodeAddress, NodeStatus> statuses, Set<NodeAddress> downHere) throws Exception {
        Stat stat = new Stat();
        byte[] data;
        try {
            data = client.getData().storingStatIn(stat).forPath(settings.layout().topology());
        } catch (KeeperException.NoNodeException e) {
            seed(statuses);
            return;
        }
        Topology topology = TopologyJson.decode(data);
        if (topology.master() == null) {
            log.warn("epoch {} has no master: finishing the switch", topology.epoch());
            awaitProxies(topology.epoch());
            promote(topology, stat.getVersion(), statuses);
        } else if (downByQuorum(topology.master())) {
            failover(topology, stat.getVersion(), statuses);
        } else {
            reconcile(topology, stat.getVersion(), statuses);
        }
    }

    /** First start: the one reachable node whose ROLE is master becomes epoch 1, with its replicas. */
    private void seed(Map<NodeAddress, NodeStatus> statuses) throws Exception {
        List<NodeStatus> masters = statuses.values().stream().filter(s -> s.reachable() && s.master()).toList();
        if (masters.size() != 1) {
            log.warn("cannot seed the topology: {} reachable masters among {}", masters.size(), statuses.keySet());
            return;
        }
        NodeAddress master = masters.get(0).address();
        List<NodeAddress> replicas = statuses.values().stream()
                .filter(s -> s.reachable() && !s.master() && master.equals(s.masterOf()))
                .map(NodeStatus::address).toList();
        Topology seeded = new Topology(1, master, replicas);
        try {
            client.create().creatingParentsIfNeeded().forPath(settings.layout().topology(), TopologyJson.encode(seeded));
            log.info("seeded the topology at epoch 1: master {}, replicas {}", master, replicas);
        } catch (KeeperException.NodeExistsException raced) {
            log.info("the topology was seeded by someone else meanwhile");
        }
    }

    private boolean downByQuorum(NodeAddress master) throws Exception {
        Map<String, Set<NodeAddress>> views = Monitor.readViews(client, settings.layout().monitors());
        long down = views.values().stream().filter(view -> view.contains(master)).count();
        return !views.isEmpty() && down > views.size() / 2;
    }

    private void failover(Topology topology, int version, Map<NodeAddress, NodeStatus> statuses) throws Exception {
        NodeAddress failed = topology.master();
        long started = System.nanoTime();
        Topology switching = new Topology(topology.epoch() + 1, null, topology.replicas());
        int switchingVersion = write(switching, version);
        log.warn("master {} is down for a majority of monitors: epoch {} has no master; waiting for the proxies", failed,
                switching.epoch());
        awaitProxies(switching.epoch());
        long proxiesMillis = (System.nanoTime() - started) / 1_000_000;
        Topology promoted = promote(switching, switchingVersion, statuses);
        if (promoted != null) {
            log.warn("failover of {} done in {} ms (proxies switched in {} ms): master {} at epoch {}", failed,
                    (System.nanoTime() - started) / 1_000_000, proxiesMillis, promoted.master(), promoted.epoch());
        }
    }

    /** Promotes the best replica of a no-master topology and publishes it; null when there is no candidate yet. */
    private Topology promote(Topology switching, int version, Map<NodeAddress, NodeStatus> statuses) throws Exception {
        Optional<NodeStatus> best = switching.replicas().stream()
                .map(statuses::get)
                .filter(s -> s != null && s.reachable() && s.priority() > 0)
                .max(Comparator.comparingLong(NodeStatus::offset));
        if (best.isEmpty()) {
            log.error("no replica can be promoted (none reachable with priority > 0): epoch {} stays without a master", switching.epoch());
            return null;
        }
        NodeAddress candidate = best.get().address();
        requireLeadership();
        probers.apply(candidate).connection().replicaofNoOne();
        List<NodeAddress> others = new ArrayList<>();
        for (NodeAddress replica : switching.replicas()) {
            if (replica.equals(candidate)) {
                continue;
            }
            others.add(replica);
            repoint(replica, candidate);
        }
        Topology promoted = new Topology(switching.epoch() + 1, candidate, others);
        write(promoted, version);
        return promoted;
    }

    /**
     * Brings the servers in line with the topology: a node that says it is master but is not the
     * topology's (a returning old master) is made a replica before anything is routed to it, and a
     * replica of the master with its link up joins the topology's replicas at a new epoch.
     */
    private void reconcile(Topology topology, int version, Map<NodeAddress, NodeStatus> statuses) throws Exception {
        List<NodeAddress> joined = new ArrayList<>();
        for (NodeStatus status : statuses.values()) {
            NodeAddress node = status.address();
            if (!status.reachable() || node.equals(topology.master())) {
                continue;
            }
            if (status.master()) {
                log.warn("{} claims to be master but epoch {} says {}: demoting it", node, topology.epoch(), topology.master());
                repoint(node, topology.master());
            } else if (topology.master().equals(status.masterOf()) && status.linkUp() && !topology.replicas().contains(node)) {
                joined.add(node);
            }
        }
        if (!joined.isEmpty()) {
            List<NodeAddress> replicas = new ArrayList<>(topology.replicas());
            replicas.addAll(joined);
            write(new Topology(topology.epoch() + 1, topology.master(), replicas), version);
            log.info("replicas {} joined at epoch {}", joined, topology.epoch() + 1);
        }
    }

    private void repoint(NodeAddress replica, NodeAddress master) {
        try {
            requireLeadership();
            probers.apply(replica).connection().replicaof(master.host(), master.port());
        } catch (JedisException e) {
            // A node that is down now is re-pointed when it returns (demoteStrayMasters, or its own replicaof).
            log.warn("could not point {} at {}: {}", replica, master, e.toString());
            probers.apply(replica).closeConnection();
        }
    }

    /** Waits until every registered proxy has applied {@code epoch}, at most the proxy acknowledgement timeout. */
    private void awaitProxies(long epoch) throws Exception {
        long deadline = System.nanoTime() + settings.proxyAckTimeout().toNanos();
        while (System.nanoTime() < deadline) {
            if (unacknowledged(epoch).isEmpty()) {
                return;
            }
            requireLeadership();
            Thread.sleep(10); // a bounded poll of ZooKeeper, not a synchronisation of our own threads
        }
        log.warn("proxies {} did not acknowledge epoch {} within {} ms: going on (they have fenced themselves by now)",
                unacknowledged(epoch), epoch, settings.proxyAckTimeout().toMillis());
    }

    private List<String> unacknowledged(long epoch) throws Exception {
        List<String> missing = new ArrayList<>();
        List<String> proxies;
        try {
            proxies = client.getChildren().forPath(settings.layout().proxies());
        } catch (KeeperException.NoNodeException e) {
            return missing;
        }
        for (String proxy : proxies) {
            try {
                byte[] data = client.getData().forPath(settings.layout().proxy(proxy));
                if (MAPPER.readTree(data).path("epoch").asLong() < epoch) {
                    missing.add(proxy);
                }
            } catch (KeeperException.NoNodeException gone) {
                // its registration expired: it cannot write any more
            }
        }
        return missing;
    }

    /** Compare-and-set on the znode version; a stale leader fails here. Returns the new version. */
    private int write(Topology topology, int expectedVersion) throws Exception {
        requireLeadership();
        Stat stat = client.setData().withVersion(expectedVersion).forPath(settings.layout().topology(), TopologyJson.encode(topology));
        return stat.getVersion();
    }

    private void requireLeadership() {
        if (!latch.hasLeadership()) {
            throw new IllegalStateException("leadership lost: stopping this round");
        }
    }
}

package org.redisfailover.monitor;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ClientPauseMode;
import redis.clients.jedis.exceptions.JedisException;

/**
 * What the leading monitor does each round: seed the topology, fail over a master that a majority of
 * monitors see down, run a requested switchover, finish a switch a previous leader left half done, and
 * demote a stray master.
 *
 * <p>Leadership is advisory (research Z1/Z2): it is checked again before every Redis command, and every
 * topology change is a compare-and-set on the znode version read in the same round, with a strictly
 * greater epoch; a stale leader's writes fail.
 *
 * <p>Both kinds of switch are two-phase: publish "no master" at epoch e+1, wait until every registered
 * proxy has applied it (or the wait, at least a proxy session timeout, ends: an unacknowledging proxy
 * fenced itself and its registration expired), then promote and publish the new master at e+2. A
 * failover cuts the dead master off; a switchover lets the proxies finish what the healthy master was
 * sent, pauses its writes, and promotes the target only once it has every byte of them.
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

    void lead(ProbeRound round) throws Exception {
        Stat stat = new Stat();
        byte[] data;
        try {
            data = client.getData().storingStatIn(stat).forPath(settings.layout().topology());
        } catch (KeeperException.NoNodeException e) {
            seed(round);
            return;
        }
        Topology topology = TopologyJson.decode(data);
        if (topology.master() == null) {
            finishSwitch(topology, stat.getVersion(), round);
        } else if (downByQuorum(topology.master())) {
            failover(topology, stat.getVersion(), round);
        } else {
            SwitchoverRequest request = pendingSwitchover();
            if (request != null) {
                new Switchover(topology, stat.getVersion(), round, request).run();
            } else {
                reconcile(topology, stat.getVersion(), round);
            }
        }
    }

    /** First start: the one reachable node whose ROLE is master becomes epoch 1, with its replicas. */
    private void seed(ProbeRound round) throws Exception {
        List<NodeStatus> masters = round.now().values().stream().filter(s -> s.reachable() && s.master()).toList();
        if (masters.size() != 1) {
            log.warn("cannot seed the topology: {} reachable masters among {}", masters.size(), round.now().keySet());
            return;
        }
        NodeAddress master = masters.get(0).address();
        List<NodeAddress> replicas = round.now().values().stream()
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

    private void failover(Topology topology, int version, ProbeRound round) throws Exception {
        NodeAddress failed = topology.master();
        long decidedAt = System.currentTimeMillis();
        long started = System.nanoTime();
        Long failingSince = round.failingSinceMillis().get(failed);
        Long downSince = round.downSinceMillis().get(failed);
        Long detectionMs = failingSince == null ? null : (downSince == null ? decidedAt : downSince) - failingSince;
        Long decisionMs = downSince == null ? null : decidedAt - downSince;
        Topology switching = topology.switching(Topology.Phase.FAILOVER);
        int switchingVersion = write(switching, version);
        log.warn("master {} is down for a majority of monitors: epoch {} has no master; waiting for the proxies", failed,
                switching.epoch());
        awaitProxies(switching.epoch());
        long proxiesMs = millisSince(started);
        NodeStatus last = round.lastReachable().get(failed);
        PromotionCandidates.OldMaster old = new PromotionCandidates.OldMaster(failed, last == null ? null : last.replid(),
                last == null ? -1 : last.offset(), settings.maxLagBytes(), false);
        PromotionCandidates.Choice choice = PromotionCandidates.choose(switching.replicas(), round.now(), old, null);
        if (choice.node() == null) {
            log.error("failover of {}: {}; epoch {} stays without a master until one can be", failed, choice.refusal(), switching.epoch());
            record(new SwitchEvent("failover", "waiting", decidedAt, failed.toString(), null, switching.epoch(), choice.refusal(), null,
                    detectionMs, decisionMs, proxiesMs, null, null, settings.id()));
            return;
        }
        Topology promoted = promote(switching, switchingVersion, choice.node(), null);
        long totalMs = millisSince(started);
        String detail = last == null ? "the master's last offset is unknown to this leader"
                : "the master was last seen at offset " + last.offset() + ", the new master had " + choice.offset()
                        + (choice.offset() < last.offset() ? " (writes after it are lost)" : "");
        log.warn("failover of {} done in {} ms (proxies switched in {} ms): master {} at epoch {}; {}", failed, totalMs, proxiesMs,
                promoted.master(), promoted.epoch(), detail);
        record(new SwitchEvent("failover", "done", decidedAt, failed.toString(), promoted.master().toString(), promoted.epoch(), detail,
                null, detectionMs, decisionMs, proxiesMs, totalMs - proxiesMs, totalMs, settings.id()));
    }

    /**
     * A topology without a master: a previous leader stopped mid-switch. A switchover whose old master
     * is still the healthy master is rolled back (it has every acknowledged write, and its writes may
     * still be paused); otherwise the failover is finished with the best replica.
     */
    private void finishSwitch(Topology switching, int version, ProbeRound round) throws Exception {
        NodeAddress previous = switching.previousMaster();
        NodeStatus previousStatus = previous == null ? null : round.status(previous);
        if (switching.phase() == Topology.Phase.SWITCHOVER && previousStatus != null && previousStatus.reachable()
                && previousStatus.master()) {
            log.warn("epoch {} is a switchover left half done: {} is still master, rolling back to it", switching.epoch(), previous);
            unpause(previous);
            Topology restored = new Topology(switching.epoch() + 1, previous, switching.replicas());
            write(restored, version);
            record(new SwitchEvent("switchover", "aborted", System.currentTimeMillis(), previous.toString(), null, restored.epoch(),
                    "the leader changed mid-switch; " + previous + " stayed master", null, null, null, null, null, null, settings.id()));
            return;
        }
        log.warn("epoch {} has no master: finishing the switch", switching.epoch());
        awaitProxies(switching.epoch());
        NodeStatus last = previous == null ? null : round.lastReachable().get(previous);
        PromotionCandidates.OldMaster old = new PromotionCandidates.OldMaster(previous, last == null ? null : last.replid(),
                last == null ? -1 : last.offset(), settings.maxLagBytes(), false);
        PromotionCandidates.Choice choice = PromotionCandidates.choose(switching.replicas(), round.now(), old, null);
        if (choice.node() == null) {
            log.error("epoch {} stays without a master: {}", switching.epoch(), choice.refusal());
            return;
        }
        Topology promoted = promote(switching, version, choice.node(), null);
        log.warn("switch finished: master {} at epoch {}", promoted.master(), promoted.epoch());
        record(new SwitchEvent("failover", "done", System.currentTimeMillis(), previous == null ? null : previous.toString(),
                promoted.master().toString(), promoted.epoch(), "finished a switch a previous leader began", null, null, null, null, null,
                null, settings.id()));
    }

    /**
     * Makes {@code candidate} the master, re-points the other replicas (and {@code oldMaster}, if given:
     * a switchover's healthy old master), and publishes it at the next epoch. The old master joins the
     * topology's replicas later, once {@link #reconcile} sees it in sync.
     */
    private Topology promote(Topology switching, int version, NodeAddress candidate, NodeAddress oldMaster) throws Exception {
        requireLeadership();
        probers.apply(candidate).connection().replicaofNoOne();
        List<NodeAddress> others = new ArrayList<>();
        for (NodeAddress replica : switching.replicas()) {
            if (!replica.equals(candidate)) {
                others.add(replica);
                repoint(replica, candidate);
            }
        }
        if (oldMaster != null) {
            repoint(oldMaster, candidate);
        }
        Topology promoted = new Topology(switching.epoch() + 1, candidate, others);
        write(promoted, version);
        return promoted;
    }

    /**
     * A planned switchover, lossless: hold writes in the proxies (which first let the writes in flight
     * on the master finish), pause the master's writes, wait until the target has the master's whole
     * replication stream, promote it, and release the writes to it. If the target does not catch up in
     * time, the old master is restored at the next epoch and nothing was lost either.
     */
    private final class Switchover {

        private final Topology topology;
        private final int version;
        private final ProbeRound round;
        private final SwitchoverRequest request;
        private final NodeAddress from;
        private final long requestedAt = System.currentTimeMillis();

        Switchover(Topology topology, int version, ProbeRound round, SwitchoverRequest request) {
            this.topology = topology;
            this.version = version;
            this.round = round;
            this.request = request;
            this.from = topology.master();
        }

        void run() throws Exception {
            NodeStatus master = round.status(from);
            PromotionCandidates.OldMaster old = new PromotionCandidates.OldMaster(from, master.replid(), master.offset(), -1, true);
            PromotionCandidates.Choice choice = master.reachable()
                    ? PromotionCandidates.choose(topology.replicas(), round.now(), old, request.target())
                    : PromotionCandidates.Choice.refused("the master " + from + " is not reachable");
            if (choice.node() == null) {
                log.warn("switchover {} refused: {}", request.id(), choice.refusal());
                answer("refused", null, topology.epoch(), choice.refusal(), null, null);
                return;
            }
            NodeAddress target = choice.node();
            long started = System.nanoTime();
            Topology switching = topology.switching(Topology.Phase.SWITCHOVER);
            int switchingVersion = write(switching, version);
            log.info("switchover {} from {} to {}: epoch {} holds writes; waiting for the proxies", request.id(), from, target,
                    switching.epoch());
            awaitProxies(switching.epoch());
            long proxiesMs = millisSince(started);
            long catchUpStarted = System.nanoTime();
            String lagging = catchUp(target);
            long catchUpMs = millisSince(catchUpStarted);
            if (lagging != null) {
                unpause(from);
                Topology restored = new Topology(switching.epoch() + 1, from, topology.replicas());
                write(restored, switchingVersion);
                log.warn("switchover {} aborted: {}; {} stays master at epoch {}", request.id(), lagging, from, restored.epoch());
                answer("aborted", null, restored.epoch(), lagging + "; " + from + " stayed master", proxiesMs, millisSince(started));
                return;
            }
            Topology promoted = promote(switching, switchingVersion, target, from);
            unpause(from);
            long totalMs = millisSince(started);
            log.info("switchover {} done: {} is master at epoch {}; writes were held {} ms", request.id(), target, promoted.epoch(),
                    totalMs);
            answer("done", target, promoted.epoch(), from + " handed over to " + target + " with nothing lost (the pause and catch-up took "
                    + catchUpMs + " ms)", proxiesMs, totalMs);
        }

        /**
         * Pauses the old master's writes (no proxy sends any now; this also stops expiries and anyone
         * writing to Redis directly), then waits until the target's offset reaches the master's. Returns
         * null once it has, else why not.
         */
        private String catchUp(NodeAddress target) {
            long timeoutMs = settings.catchUpTimeout().toMillis();
            try {
                requireLeadership();
                Jedis master = probers.apply(from).connection();
                // Long enough for the catch-up and the promotion; unpaused explicitly as soon as it is done.
                master.clientPause(timeoutMs + 2_000, ClientPauseMode.WRITE);
                long masterOffset = NodeProber.parse(from, master.info("replication")).offset();
                long deadline = System.nanoTime() + settings.catchUpTimeout().toNanos();
                long targetOffset = -1;
                Jedis replica = probers.apply(target).connection();
                for (int attempt = 0; attempt < 100_000 && System.nanoTime() < deadline; attempt++) {
                    targetOffset = NodeProber.parse(target, replica.info("replication")).offset();
                    if (targetOffset >= masterOffset) {
                        return null;
                    }
                    Thread.sleep(1); // a bounded poll of the target's offset
                }
                return target + " reached offset " + targetOffset + " of the master's " + masterOffset + " within " + timeoutMs + " ms";
            } catch (JedisException e) {
                probers.apply(from).closeConnection();
                probers.apply(target).closeConnection();
                return "catching up failed: " + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
        }

        private void answer(String outcome, NodeAddress to, long epoch, String detail, Long proxiesMs, Long totalMs) {
            Long promotionMs = proxiesMs == null || totalMs == null ? null : totalMs - proxiesMs;
            record(new SwitchEvent("switchover", outcome, requestedAt, from.toString(), to == null ? null : to.toString(), epoch, detail,
                    request.id(), null, null, proxiesMs, promotionMs, totalMs, settings.id()));
            try {
                client.delete().quietly().forPath(settings.layout().switchover());
            } catch (Exception e) {
                log.warn("could not remove the switchover request: {}", e.toString());
            }
        }
    }

    private SwitchoverRequest pendingSwitchover() throws Exception {
        byte[] data;
        try {
            data = client.getData().forPath(settings.layout().switchover());
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
        try {
            return SwitchoverRequest.decode(data);
        } catch (IllegalArgumentException e) {
            log.warn("ignoring an invalid switchover request: {}", e.getMessage());
            client.delete().quietly().forPath(settings.layout().switchover());
            return null;
        }
    }

    private void unpause(NodeAddress node) {
        try {
            probers.apply(node).connection().clientUnpause();
        } catch (JedisException e) {
            // The pause ends by itself at its timeout.
            log.warn("could not unpause {}: {}", node, e.toString());
            probers.apply(node).closeConnection();
        }
    }

    /**
     * Brings the servers in line with the topology: a node that says it is master but is not the
     * topology's (a returning old master) is made a replica before anything is routed to it, and a
     * replica of the master with its link up joins the topology's replicas at a new epoch.
     */
    private void reconcile(Topology topology, int version, ProbeRound round) throws Exception {
        List<NodeAddress> joined = new ArrayList<>();
        for (NodeStatus status : round.now().values()) {
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
            // A node that is down now is re-pointed when it returns (reconcile, or its own replicaof).
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
            Thread.sleep(5); // a bounded poll of ZooKeeper, not a synchronisation of our own threads
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

    private void record(SwitchEvent event) {
        SwitchHistory.append(client, settings.layout(), event);
    }

    private void requireLeadership() {
        if (!latch.hasLeadership()) {
            throw new IllegalStateException("leadership lost: stopping this round");
        }
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}

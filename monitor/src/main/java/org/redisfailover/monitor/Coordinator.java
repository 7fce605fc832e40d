package org.redisfailover.monitor;

import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.redisfailover.protocol.topology.ForgetRequest;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.NodeIdentity;
import org.redisfailover.protocol.topology.SwitchoverRequest;
import org.redisfailover.protocol.topology.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MarkerFactory;

/**
 * What the leading monitor does each round, one step at a time: seed the topology when there is none,
 * answer an operator's request to forget a lost replica ({@link ForgetRun}), fail over a master that a
 * majority of monitors see down or that restarted without its data ({@link FailoverRun}), run a requested
 * switchover ({@link SwitchoverRun}), finish a switch left without a master (or go back to its old master,
 * should it return), or else bring the group in line with the topology ({@link Reconciliation}).
 *
 * <p>Leadership is advisory (research Z1/Z2): every Redis command of a step is preceded by a leadership
 * check with ZooKeeper itself, and every topology change is a compare-and-set on the znode version read in
 * the same round, with a strictly greater epoch; a stale leader's writes fail ({@link GroupActions}).
 */
final class Coordinator {

    private static final Logger log = LoggerFactory.getLogger(Coordinator.class);

    private final CuratorFramework client;
    private final GroupActions actions;
    private final MonitorViews views;
    private final LeaderMemory memory = new LeaderMemory();

    Coordinator(CuratorFramework client, GroupActions actions, MonitorViews views) {
        this.client = client;
        this.actions = actions;
        this.views = views;
    }

    /** The topology now (null when none has been written), also noted as seen. */
    Topology readTopology() throws Exception {
        GroupActions.VersionedTopology current = actions.read();
        if (current == null) {
            return null;
        }
        memory.sawEpoch(current.topology().epoch());
        return current.topology();
    }

    /** The highest epoch this monitor has seen, for its view in {@code monitors/}. */
    long highestEpochSeen() {
        return memory.highestEpochSeen();
    }

    void lead(ProbeRound round) throws Exception {
        GroupActions.VersionedTopology current = actions.read();
        if (current == null) {
            seed(round);
            return;
        }
        Topology topology = current.topology();
        memory.sawEpoch(topology.epoch());
        ForgetRequest forget = ForgetRun.pending(client, actions.settings());
        if (forget != null && new ForgetRun(actions, round, memory).run(current, forget)) {
            removeRequest(actions.settings().layout().forgetReplica(), "forget-replica");
            return;
        }
        FailoverRun failover = new FailoverRun(actions, round, memory);
        if (topology.master() == null) {
            if (!new SwitchoverRun(actions, round, memory).rollBack(current)) {
                failover.resume(current);
            }
            return;
        }
        NodeStatus master = round.status(topology.master());
        actions.syncSet().serving(master, topology.replicas(), round.now(), current.version());
        if (restarted(topology, master)) {
            String what = "restarted (run id " + topology.masterIdentity().runId() + " became " + master.runId()
                    + ", replication id " + master.replid() + ", offset " + master.offset() + ")";
            String kept = keptItsData(topology, master, round);
            if (kept == null) {
                // At once, before anything else: the replicas following it would sync from it and lose what they have.
                actions.isolate(List.of(topology.master()), current.version());
                failover.begin(current, what + " without its data, or with less than a replica has");
                return;
            }
            Topology updated = topology.withEpoch(topology.epoch() + 1, master.identity());
            actions.write(updated, current.version());
            memory.sawEpoch(updated.epoch());
            log.warn(
                    "master {} {} with its data ({}): recorded at epoch {}",
                    topology.master(),
                    what,
                    kept,
                    updated.epoch());
            return;
        }
        if (views.downByMajority(topology.master())) {
            failover.begin(current, "is down for a majority of monitors");
            return;
        }
        SwitchoverRequest request = SwitchoverRun.pending(client, actions.settings());
        if (request != null) {
            new SwitchoverRun(actions, round, memory)
                    .run(
                            current,
                            request,
                            () -> removeRequest(actions.settings().layout().switchover(), "switchover"));
            return;
        }
        new Reconciliation(actions, round, memory).run(current, actions.highestEpochLive(views));
    }

    /** Whether the topology's master answers as another process than the one the topology names (its run id changed). */
    private static boolean restarted(Topology topology, NodeStatus master) {
        NodeIdentity recorded = topology.masterIdentity();
        return recorded != null
                && master.reachable()
                && master.runId() != null
                && !master.runId().equals(recorded.runId());
    }

    /**
     * Why a restarted master may keep its place (it came back with what it had), or null: still a master on the
     * recorded replication id with no replica on that id ahead of it (an RDB snapshot restored with its history);
     * or from its append-only file with no replica holding the history any more (every node restarted, see
     * {@link OldMasterReturn#fromPersistence}).
     */
    private static String keptItsData(Topology topology, NodeStatus master, ProbeRound round) {
        String replid = topology.masterIdentity().replid();
        long highestReplica = round.now().values().stream()
                .filter(s -> s.reachable() && !s.master() && s.carries(replid))
                .mapToLong(s -> s.offsetOn(replid))
                .max()
                .orElse(-1);
        if (master.master() && replid != null && replid.equals(master.replid()) && master.offset() >= highestReplica) {
            return "on its recorded history";
        }
        return OldMasterReturn.fromPersistence(
                topology.masterIdentity(), master, replid, topology.replicas(), round.now());
    }

    /**
     * No topology: the one reachable node whose ROLE is master becomes the master, with its replicas, at an
     * epoch above every epoch seen anywhere (a topology znode that was deleted, or a ZooKeeper that lost its
     * data, must not send epochs backwards: proxies would refuse to follow).
     */
    private void seed(ProbeRound round) throws Exception {
        List<NodeStatus> masters = round.now().values().stream()
                .filter(s -> s.reachable() && s.master())
                .toList();
        if (masters.size() != 1) {
            // Every round (200 ms) while no node answers: the log's repeat limiter keeps one a minute (marked
            // "repeats").
            log.warn(
                    MarkerFactory.getMarker("repeats"),
                    "cannot seed the topology: {} reachable masters among {}",
                    masters.size(),
                    round.now().keySet());
            return;
        }
        NodeStatus master = masters.get(0);
        List<NodeAddress> replicas = round.now().values().stream()
                .filter(s -> s.reachable() && !s.master() && master.address().equals(s.masterOf()))
                .map(NodeStatus::address)
                .toList();
        long floor = Math.max(memory.highestEpochSeen(), actions.highestEpochElsewhere(views));
        Topology seeded = Topology.serving(floor + 1, master.address(), master.identity(), replicas);
        if (!actions.create(seeded)) {
            log.info("the topology was seeded by someone else meanwhile");
            return;
        }
        memory.sawEpoch(seeded.epoch());
        if (floor > 0) {
            log.error(
                    "the topology znode was missing although epoch {} was seen (deleted, or ZooKeeper lost its data): re-seeded at "
                            + "epoch {} with master {}, replicas {}",
                    floor,
                    seeded.epoch(),
                    master.address(),
                    replicas);
        } else {
            log.info("seeded the topology at epoch 1: master {}, replicas {}", master.address(), replicas);
        }
    }

    private void removeRequest(String path, String what) {
        try {
            client.delete().quietly().forPath(path);
        } catch (Exception e) {
            log.warn("could not remove the {} request: {}", what, e.toString());
        }
    }
}

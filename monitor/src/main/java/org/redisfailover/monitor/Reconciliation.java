package org.redisfailover.monitor;

import java.util.ArrayList;
import java.util.List;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.NodeIdentity;
import org.redisfailover.protocol.topology.SwitchEvent;
import org.redisfailover.protocol.topology.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the servers and the topology in line while the group has its master:
 * <ol>
 *   <li>an epoch below what a proxy or monitor has seen (the topology was re-created) is raised above it, so
 *       that no proxy has to follow epochs backwards;</li>
 *   <li>the topology's master must answer ROLE master: one that says it is a replica (a stale leader
 *       re-pointed it) is made master again and the event says so;</li>
 *   <li>the master's identity is recorded when the topology lacks it;</li>
 *   <li>a node that says it is master but is not the topology's (a returning old master) is made a replica
 *       before anything is routed to it; a replica of another node (a replaced master, or another replica) is
 *       pointed at the master; and a replica of the master with its link up joins the topology.</li>
 * </ol>
 * Each change is a new epoch; every Redis command is fenced by the leadership check.
 */
final class Reconciliation {

    private static final Logger log = LoggerFactory.getLogger(Reconciliation.class);

    private final GroupActions actions;
    private final ProbeRound round;
    private final LeaderMemory memory;

    Reconciliation(GroupActions actions, ProbeRound round, LeaderMemory memory) {
        this.actions = actions;
        this.round = round;
        this.memory = memory;
    }

    void run(GroupActions.VersionedTopology current, long highestEpochElsewhere) throws Exception {
        Topology topology = current.topology();
        int version = current.version();
        long floor = Math.max(memory.highestEpochSeen(), highestEpochElsewhere);
        if (floor > topology.epoch()) {
            Topology raised = topology.withEpoch(floor + 1, topology.masterIdentity());
            actions.write(raised, version);
            memory.sawEpoch(raised.epoch());
            log.error(
                    "the topology is at epoch {} but epoch {} was seen before (it was re-created, or ZooKeeper lost data): "
                            + "raised to epoch {}",
                    topology.epoch(),
                    floor,
                    raised.epoch());
            return;
        }
        NodeAddress master = topology.master();
        NodeStatus masterStatus = round.status(master);
        NodeIdentity identity = topology.masterIdentity();
        if (masterStatus.reachable() && !masterStatus.master()) {
            // The round's probe may predate this master's promotion: act only on one taken now.
            NodeStatus now = actions.probe(List.of(master)).get(master);
            if (now.reachable() && !now.master()) {
                repairMaster(current, now);
                return;
            }
            masterStatus = now;
        }
        boolean changed = false;
        if (masterStatus.reachable() && identity == null && masterStatus.identity() != null) {
            identity = masterStatus.identity();
            changed = true;
            log.info(
                    "recording the identity of master {}: run id {}, replication id {}",
                    master,
                    identity.runId(),
                    identity.replid());
        }
        List<NodeAddress> replicas = new ArrayList<>(topology.replicas());
        for (NodeStatus status : round.now().values()) {
            NodeAddress node = status.address();
            if (!status.reachable() || node.equals(master)) {
                continue;
            }
            if (status.master()) {
                if (memory.mayRepoint(node, master)) {
                    log.warn(
                            "{} claims to be master but epoch {} says {}: demoting it", node, topology.epoch(), master);
                    actions.repoint(node, master, version);
                }
            } else if (status.masterOf() != null && !status.masterOf().equals(master)) {
                // Still following a master that was replaced while it could not be reached (frozen, or cut off), or
                // chained
                // under another replica (a restart with a static replicaof naming a node that is a replica now): WAIT
                // counts
                // only the master's own replicas, and a chained one full-syncs from a node that may lag behind the
                // master.
                if (memory.mayRepoint(node, master)) {
                    String via = topology.replicas().contains(status.masterOf())
                            ? ", a replica in epoch "
                            : ", which is not in epoch ";
                    log.warn(
                            "{} replicates from {}{}{}: pointing it at {}",
                            node,
                            status.masterOf(),
                            via,
                            topology.epoch(),
                            master);
                    actions.repoint(node, master, version);
                }
            } else if (master.equals(status.masterOf()) && status.linkUp() && !replicas.contains(node)) {
                replicas.add(node);
                changed = true;
                log.info("replica {} joins at epoch {}", node, topology.epoch() + 1);
            }
        }
        // The replicas the replication guard waits for: not those this leader calls down (see Topology#unreachable).
        List<NodeAddress> unreachable = round.down(replicas);
        if (!unreachable.equals(topology.unreachable())) {
            changed = true;
            log.info("replicas the leader cannot reach at epoch {}: {}", topology.epoch() + 1, unreachable);
        }
        if (changed) {
            Topology next = new Topology(
                    topology.epoch() + 1, master, replicas, Topology.Phase.SERVING, null, identity, unreachable);
            actions.write(next, version);
            memory.sawEpoch(next.epoch());
        }
    }

    /**
     * The topology's master says it is a replica. Proxies get {@code -READONLY} for every write until it is
     * a master again, and what it is now replicating from may overwrite what it acknowledged; so it is
     * made master again at once (keeping the data it has now) and recorded.
     */
    private void repairMaster(GroupActions.VersionedTopology current, NodeStatus status) throws Exception {
        Topology topology = current.topology();
        NodeAddress master = topology.master();
        NodeIdentity identity = actions.promote(master, current.version());
        Topology repaired = Topology.serving(topology.epoch() + 1, master, identity, topology.replicas());
        actions.write(repaired, current.version());
        memory.sawEpoch(repaired.epoch());
        String detail = "the topology's master " + master + " reported role replica (of " + status.masterOf()
                + "); made it master again";
        log.error("{} at epoch {}", detail, repaired.epoch());
        actions.record(SwitchEvent.repaired(
                actions.settings().id(), System.currentTimeMillis(), master, repaired.epoch(), detail));
    }
}

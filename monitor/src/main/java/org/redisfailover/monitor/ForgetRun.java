package org.redisfailover.monitor;

import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.redisfailover.protocol.topology.ForgetRequest;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.SwitchEvent;
import org.redisfailover.protocol.topology.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An operator gives up on a replica lost for good ({@code redis-failover forget-replica}): it leaves the topology
 * and, in safe mode, the sync set, so that it is no longer waited for. Nothing else removes a replica: a group
 * could not tell a replica gone for good from one about to come back.
 *
 * <p>What it may cost decides whether the leader does it:
 * <ul>
 *   <li>a replica that answers with the group's history (as the process the sync set counts it as) is not lost:
 *       refused; one that restarted from an older snapshot, or empty, is as good as lost;</li>
 *   <li>while a master serves, the writes the lost replica acknowledged are on the master, and reach the other
 *       replicas as they replicate: in safe mode the leader waits until the others have acknowledged the master's
 *       offset of the moment it saw the request (up to {@link #CATCH_UP_MILLIS}), and then nothing is lost;</li>
 *   <li>while a safe-mode failover waits for it, the writes only it acknowledged may exist nowhere else: refused
 *       unless the operator accepts that loss ({@code --accept-loss}), and the event says so.</li>
 * </ul>
 * Without safe mode no write depends on a replica's acknowledgement, so forgetting loses nothing.
 */
final class ForgetRun {

    private static final Logger log = LoggerFactory.getLogger(ForgetRun.class);

    /** How long the leader waits for the other replicas to catch up before it refuses. */
    static final long CATCH_UP_MILLIS = 10_000;

    private final GroupActions actions;
    private final ProbeRound round;
    private final LeaderMemory memory;

    ForgetRun(GroupActions actions, ProbeRound round, LeaderMemory memory) {
        this.actions = actions;
        this.round = round;
        this.memory = memory;
    }

    /** The pending request, if any (an invalid one is deleted, said so in the log). */
    static ForgetRequest pending(CuratorFramework client, MonitorSettings settings) throws Exception {
        byte[] data;
        try {
            data = client.getData().forPath(settings.layout().forgetReplica());
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
        try {
            return ForgetRequest.decode(data);
        } catch (IllegalArgumentException e) {
            log.warn("ignoring an invalid forget-replica request: {}", e.getMessage());
            client.delete().quietly().forPath(settings.layout().forgetReplica());
            return null;
        }
    }

    /** Acts on {@code request}, or leaves it for a later round while the other replicas catch up. Returns whether it answered. */
    boolean run(GroupActions.VersionedTopology current, ForgetRequest request) throws Exception {
        Topology topology = current.topology();
        NodeAddress node = request.node();
        NodeAddress setMaster = topology.hasMaster() ? topology.master() : topology.previousMaster();
        int minReplicaAcks = actions.minReplicaAcks();
        String refusal;
        String detail;
        if (!topology.replicas().contains(node)
                && (setMaster == null || !actions.syncSet().records(setMaster, node))) {
            refusal = node + " is not a replica of this group (replicas " + topology.replicas() + ")";
            detail = null;
        } else if (holdsTheHistory(topology, actions.probe(List.of(node)).get(node))) {
            // Probed now rather than as this round saw it: a replica killed a moment ago still looks reachable there.
            refusal = node
                    + " answers, with the group's history: it is not lost; stop it (or give it to another group) first";
            detail = null;
        } else if (topology.hasMaster()) {
            NodeStatus master = round.status(topology.master());
            refusal = minReplicaAcks > 0 ? caughtUp(request, master, node, topology) : null;
            if ("".equals(refusal)) {
                return false; // the others are catching up: ask again next round
            }
            detail = "nothing lost: the master " + topology.master() + " serves"
                    + (minReplicaAcks > 0 ? " and the other replicas have every write " + node + " acknowledged" : "");
        } else if (minReplicaAcks > 0 && !request.acceptLoss()) {
            refusal = "the group has no master, and its failover counts on " + node
                    + ": a write only it acknowledged would be lost "
                    + "without it; pass --accept-loss to go on without it";
            detail = null;
        } else {
            refusal = null;
            detail = minReplicaAcks > 0
                    ? "accepted by the operator: writes only " + node + " acknowledged are lost; the failover goes on "
                            + "without it"
                    : "it was not promotable anyway; nothing lost";
        }
        long atMillis = System.currentTimeMillis();
        if (refusal != null) {
            log.warn("forget-replica {} refused: {}", node, refusal);
            actions.record(SwitchEvent.forgot(
                    actions.settings().id(), request.id(), atMillis, node, topology.epoch(), false, refusal));
            return true;
        }
        if (setMaster != null) {
            actions.syncSet().forget(setMaster, node, current.version());
        }
        Topology next = topology.withoutReplica(node);
        actions.write(next, current.version());
        memory.sawEpoch(next.epoch());
        log.warn("forgot replica {} at epoch {}: {}", node, next.epoch(), detail);
        actions.record(
                SwitchEvent.forgot(actions.settings().id(), request.id(), atMillis, node, next.epoch(), true, detail));
        return true;
    }

    /**
     * Whether {@code status} answers as a replica that still holds the group's history: one that does not (it restarted
     * from an older snapshot, or empty) is as good as lost, and may be forgotten while it answers.
     */
    private boolean holdsTheHistory(Topology topology, NodeStatus status) throws Exception {
        if (!status.reachable()) {
            return false;
        }
        NodeAddress setMaster = topology.hasMaster() ? topology.master() : topology.previousMaster();
        String replid = topology.masterIdentity() == null
                ? null
                : topology.masterIdentity().replid();
        if (replid != null && !status.carries(replid)) {
            return false;
        }
        SyncMembers members = setMaster == null
                ? SyncMembers.anyProcess(List.of())
                : actions.syncSet().of(setMaster, topology.replicas(), List.of());
        return members.isCountedProcess(status);
    }

    /**
     * In safe mode with a serving master: null once every other member has acknowledged the master's offset of when
     * this leader first saw the request; "" while they may still; the refusal once they took too long.
     */
    private String caughtUp(ForgetRequest request, NodeStatus master, NodeAddress node, Topology topology)
            throws Exception {
        if (!master.reachable()) {
            return "the master does not answer now; retry once it does";
        }
        if (master.replicas().contains(node)) {
            return "the master still lists " + node
                    + " as attached (its link has not timed out yet); retry once it does not";
        }
        long[] mark = memory.forgetMark(request.id(), master.offset());
        List<NodeAddress> others =
                actions.syncSet().of(topology.master(), topology.replicas(), master.replicas()).nodes().stream()
                        .filter(n -> !n.equals(node))
                        .toList();
        List<NodeAddress> behind = others.stream()
                .filter(n -> master.ackedOffsets().getOrDefault(n, -1L) < mark[0])
                .toList();
        if (behind.isEmpty()) {
            return null;
        }
        return mark[1] < CATCH_UP_MILLIS
                ? ""
                : "the other replicas " + behind + " did not acknowledge the master's offset " + mark[0] + " within "
                        + CATCH_UP_MILLIS + " ms: a failover could lose what only " + node
                        + " acknowledged; retry later";
    }
}

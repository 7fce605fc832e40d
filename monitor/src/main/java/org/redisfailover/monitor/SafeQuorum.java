package org.redisfailover.monitor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.redisfailover.protocol.topology.NodeAddress;

/**
 * Safe mode's promotion rule (min-replica-acks N): every write a proxy acknowledged reached at least N
 * replicas of the sync set S, so when at least |S| - N + 1 members of S are reachable on the old master's
 * history, one of them has each such write, and the one with the highest offset has them all. Fewer, and
 * a promotion could lose an acknowledged write: the group stays without a master. S is the sync set
 * ({@link SyncSetKeeper}: every replica WAIT may have counted). A pure function of the probes, like
 * {@link PromotionCandidates}.
 */
final class SafeQuorum {

    private SafeQuorum() {}

    /**
     * Why promoting {@code chosen} (the candidates' best, at {@code chosenOffset} on the old history) could lose an
     * acknowledged write, or null when it cannot. A member counts when it answers on the old master's history (as a
     * replica, or as a master promoted from it by an unfinished switch) as the process it counts as in S: one that
     * restarted may hold less than it acknowledged. The refusal names who is missing and what would unblock it.
     */
    static String refusal(
            SyncMembers syncSet,
            Map<NodeAddress, NodeStatus> statuses,
            String replid,
            int minReplicaAcks,
            NodeAddress chosen,
            long chosenOffset) {
        if (minReplicaAcks <= 0) {
            return null;
        }
        int needed = syncSet.size() - minReplicaAcks + 1;
        int counted = 0;
        long highest = -1;
        List<String> missing = new ArrayList<>();
        for (NodeAddress member : syncSet.nodes()) {
            NodeStatus status = statuses.get(member);
            String why = whyNotCounted(status, syncSet, replid);
            if (why == null) {
                counted++;
                highest = Math.max(highest, status.offsetOn(replid));
            } else {
                missing.add(member + " (" + why + ")");
            }
        }
        if (needed <= 0 || counted < needed) {
            return "safe mode (min-replica-acks " + minReplicaAcks + "): " + counted + " of the " + syncSet.size()
                    + " replicas that could have acknowledged writes are reachable on the master's history, "
                    + Math.max(needed, 1)
                    + " needed so that one of them surely has every acknowledged write; waiting for "
                    + String.join(", ", missing)
                    + ". It proceeds when enough of them answer; 'redis-failover forget-replica HOST:PORT --accept-loss' gives up on "
                    + "one for good, losing the writes only it acknowledged";
        }
        if (chosen == null || chosenOffset < highest) {
            return "safe mode (min-replica-acks " + minReplicaAcks
                    + "): the replica with the most of the master's writes (offset " + highest + ") cannot be promoted"
                    + (chosen == null ? "" : "; " + chosen + " has only " + chosenOffset);
        }
        return null;
    }

    /** Why a member's status does not count, or null when it does. */
    private static String whyNotCounted(NodeStatus status, SyncMembers syncSet, String replid) {
        if (status == null || !status.reachable()) {
            return "unreachable";
        }
        if (status.master() ? !status.promotedFrom(replid) : (replid != null && !status.carries(replid))) {
            return "not on the master's history";
        }
        if (!syncSet.isCountedProcess(status)) {
            return "restarted as another process, not yet caught up: it may hold less than it acknowledged";
        }
        return null;
    }
}

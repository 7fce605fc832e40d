package org.redisfailover.monitor;

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

    private SafeQuorum() {
    }

    /**
     * Why promoting {@code chosen} (the candidates' best, at {@code chosenOffset}) could lose an acknowledged
     * write, or null when it cannot.
     */
    static String refusal(List<NodeAddress> syncSet, Map<NodeAddress, NodeStatus> statuses, String replid, int minReplicaAcks,
            NodeAddress chosen, long chosenOffset) {
        if (minReplicaAcks <= 0) {
            return null;
        }
        int needed = syncSet.size() - minReplicaAcks + 1;
        int reachable = 0;
        long highest = -1;
        for (NodeAddress member : syncSet) {
            NodeStatus status = statuses.get(member);
            if (status != null && status.reachable() && !status.master() && (replid == null || status.carries(replid))) {
                reachable++;
                highest = Math.max(highest, status.offset());
            }
        }
        if (needed <= 0 || reachable < needed) {
            return "safe mode (min-replica-acks " + minReplicaAcks + "): " + reachable + " of the " + syncSet.size()
                    + " replicas that could have acknowledged writes are reachable on the master's history, " + Math.max(needed, 1)
                    + " needed so that one of them surely has every acknowledged write";
        }
        if (chosen == null || chosenOffset < highest) {
            return "safe mode (min-replica-acks " + minReplicaAcks + "): the replica with the most of the master's writes (offset "
                    + highest + ") cannot be promoted" + (chosen == null ? "" : "; " + chosen + " has only " + chosenOffset);
        }
        return null;
    }
}

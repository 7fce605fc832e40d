package org.redisfailover.monitor;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.redisfailover.protocol.topology.NodeAddress;

/**
 * Which replica may replace a master, as a pure function of the probes (so every rule has a table
 * test). A replica is eligible when it is reachable, has priority above 0, carries the old master's
 * replication id as its own or as its previous one (offsets are comparable only within one history; a
 * replica that restarted without its data has a new id and is never a candidate), lost its link to the
 * master recently (Sentinel's rule: a replica cut off long before the master failed lacks what came
 * since), is not further behind the master's last known offset than the lag cap, and, for a planned
 * switchover, replicates from the master with its link up. In a failover, a master that left the old history
 * by a promotion no topology records (a previous leader's unfinished switch, or a replica detached while the
 * failover waited) is a candidate too: it holds that history, and is adopted. Offsets are compared on the old
 * history ({@link NodeStatus#offsetOn}). The best eligible one has the highest offset; ties go to the
 * topology's order.
 */
final class PromotionCandidates {

    /** The chosen replica, or null with the reason none (or not the requested one) can be promoted. */
    record Choice(NodeAddress node, long offset, String refusal) {

        static Choice refused(String reason) {
            return new Choice(null, -1, reason);
        }
    }

    /**
     * What is known about the master being replaced.
     *
     * @param address       the old master
     * @param replid        its replication id as last seen, or null if this leader never saw it
     * @param offset        its replication offset as last seen, or -1
     * @param maxLagBytes   how far behind {@code offset} a candidate may be; negative: no cap
     * @param requireLinkUp a planned switchover: the candidate must be replicating from the master now
     * @param maxLinkDownSeconds a candidate whose link has been down longer than this is left out; negative: no limit
     */
    record OldMaster(
            NodeAddress address,
            String replid,
            long offset,
            long maxLagBytes,
            boolean requireLinkUp,
            long maxLinkDownSeconds) {

        /** A master that failed: no link needed now, but not one lost long before the master went. */
        static OldMaster failed(
                NodeAddress address, String replid, long offset, long maxLagBytes, long maxLinkDownSeconds) {
            return new OldMaster(address, replid, offset, maxLagBytes, false, maxLinkDownSeconds);
        }

        /** A healthy master handing over: the candidate must be replicating from it now. */
        static OldMaster handingOver(NodeAddress address, String replid, long offset) {
            return new OldMaster(address, replid, offset, -1, true, -1);
        }
    }

    private PromotionCandidates() {}

    static Choice choose(
            List<NodeAddress> replicas, Map<NodeAddress, NodeStatus> statuses, OldMaster old, NodeAddress requested) {
        String replid = old.replid() != null ? old.replid() : commonestReplid(replicas, statuses);
        List<NodeStatus> eligible = new ArrayList<>();
        Map<NodeAddress, String> reasons = new HashMap<>();
        for (NodeAddress replica : replicas) {
            NodeStatus status = statuses.get(replica);
            String reason = ineligibility(status, old, replid);
            if (reason == null) {
                eligible.add(status);
            } else {
                reasons.put(replica, reason);
            }
        }
        if (requested != null) {
            if (requested.equals(old.address())) {
                return Choice.refused(requested + " is the master already");
            }
            if (!replicas.contains(requested)) {
                return Choice.refused(requested + " is not a replica in the topology " + replicas);
            }
            if (reasons.containsKey(requested)) {
                return Choice.refused(requested + " cannot be promoted: " + reasons.get(requested));
            }
            return new Choice(requested, statuses.get(requested).offsetOn(replid), null);
        }
        return eligible.stream()
                .max(Comparator.<NodeStatus>comparingLong(s -> s.offsetOn(replid))
                        .thenComparing(s -> -replicas.indexOf(s.address())))
                .map(best -> new Choice(best.address(), best.offsetOn(replid), null))
                .orElseGet(() -> Choice.refused(
                        "no replica can be promoted: " + (reasons.isEmpty() ? "there are none" : reasons)));
    }

    private static String ineligibility(NodeStatus status, OldMaster old, String replid) {
        if (status == null || !status.reachable()) {
            return "unreachable";
        }
        if (status.master()
                && (old.requireLinkUp()
                        || !status.promotedFrom(replid)
                        || status.address().equals(old.address()))) {
            return "it is a master itself";
        }
        if (status.priority() <= 0) {
            return "replica-priority " + status.priority();
        }
        if (replid != null && !status.carries(replid)) {
            return "replication id " + status.replid() + " is not the master's " + replid
                    + " (a replica restarted without its data, " + "or one of another group)";
        }
        if (old.maxLinkDownSeconds() >= 0 && status.linkDownSeconds() > old.maxLinkDownSeconds()) {
            return "its link to the master has been down " + status.linkDownSeconds() + " s, more than "
                    + old.maxLinkDownSeconds() + " s: it lacks what the master took since";
        }
        if (old.maxLagBytes() >= 0 && old.offset() >= 0 && status.offsetOn(replid) < old.offset() - old.maxLagBytes()) {
            return "offset " + status.offsetOn(replid) + " is more than " + old.maxLagBytes()
                    + " bytes behind the master's " + old.offset();
        }
        if (old.requireLinkUp() && !(old.address().equals(status.masterOf()) && status.linkUp())) {
            return "not in sync with " + old.address() + " (replicating from " + status.masterOf() + ", link "
                    + (status.linkUp() ? "up" : "down") + ")";
        }
        return null;
    }

    /**
     * Without the master's own replication id (this leader never saw it up), the id most reachable
     * replicas share stands for it; a tie goes to the id with the highest offset.
     */
    private static String commonestReplid(List<NodeAddress> replicas, Map<NodeAddress, NodeStatus> statuses) {
        Map<String, Integer> count = new HashMap<>();
        Map<String, Long> highest = new HashMap<>();
        for (NodeAddress replica : replicas) {
            NodeStatus status = statuses.get(replica);
            if (status != null && status.reachable() && !status.master() && status.replid() != null) {
                count.merge(status.replid(), 1, Integer::sum);
                highest.merge(status.replid(), status.offset(), Math::max);
            }
        }
        return count.keySet().stream()
                .max(Comparator.<String>comparingInt(count::get).thenComparingLong(highest::get))
                .orElse(null);
    }
}

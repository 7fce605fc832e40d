package org.redisfailover.monitor;

import java.util.Collection;
import java.util.Map;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.NodeIdentity;

/**
 * When a master the monitors called down may serve again rather than be replaced: a pure function of the
 * probes, like {@link PromotionCandidates}.
 *
 * <ul>
 *   <li><b>It was slow, not dead.</b> Before a replica is promoted it answers again as the same process (run id)
 *       on the same history: it has every write it ever acknowledged, and no proxy wrote elsewhere since the
 *       failover began (the group had no master). Going back loses nothing, in either mode, and spares the
 *       replicas a resync.</li>
 *   <li><b>Every node restarted (a power cycle).</b> The master comes back as a new process from its own
 *       append-only file (AOF on, keys loaded) and every replica answers, none on the recorded history any
 *       more (Redis 7.0 gives a node that loads its AOF a new replication id): no node can be promoted, and the
 *       master's file is the best copy there is. It serves again with what its file had; writes it had not yet
 *       written to disk are lost ({@code appendfsync everysec}: up to a second).</li>
 * </ul>
 */
final class OldMasterReturn {

    private OldMasterReturn() {}

    /**
     * Why the failed master may serve again, having answered as the process the topology records ({@code recorded})
     * on history {@code replid}, with no other node ahead of it there; null when it may not.
     */
    static String sameProcess(
            NodeIdentity recorded, NodeStatus returned, String replid, Collection<NodeStatus> others) {
        if (returned == null
                || !returned.reachable()
                || !returned.master()
                || recorded == null
                || recorded.runId() == null
                || replid == null
                || !recorded.runId().equals(returned.runId())
                || !replid.equals(returned.replid())) {
            return null;
        }
        long highest = others.stream()
                .filter(s -> s.reachable() && !s.address().equals(returned.address()))
                .mapToLong(s -> s.offsetOn(replid))
                .max()
                .orElse(-1);
        if (returned.offset() < highest) {
            return null;
        }
        return returned.address() + " answered again as the same process (run id " + returned.runId()
                + ") with its history at offset " + returned.offset()
                + ", before a replica was promoted: it was slow, not dead, and has every write it acknowledged";
    }

    /**
     * Why the failed master may serve again from its own persisted data: it came back as a new process with AOF on and
     * keys loaded, every one of {@code replicas} answers, and none carries the recorded history {@code replid}; null
     * when it may not.
     */
    static String fromPersistence(
            NodeIdentity recorded,
            NodeStatus returned,
            String replid,
            Collection<NodeAddress> replicas,
            Map<NodeAddress, NodeStatus> statuses) {
        boolean isolated = returned != null
                && returned.address().equals(returned.masterOf()); // by this failover: see GroupActions.isolate
        if (returned == null
                || !returned.reachable()
                || !(returned.master() || isolated)
                || !returned.aofEnabled()
                || returned.keys() <= 0
                || recorded == null
                || recorded.runId() == null
                || recorded.runId().equals(returned.runId())) {
            return null;
        }
        for (NodeAddress replica : replicas) {
            NodeStatus status = statuses.get(replica);
            if (replica.equals(returned.address())) {
                continue;
            }
            if (status == null || !status.reachable() || status.carries(replid)) {
                return null; // a replica that may hold the history, or that cannot tell: the usual rules decide
            }
        }
        return returned.address() + " came back from its append-only file (" + returned.keys() + " keys, run id "
                + returned.runId()
                + ") and no replica holds the recorded history " + replid
                + " any more (every node restarted): it serves again with what "
                + "its file had; writes it had not written to disk when it stopped are lost";
    }
}

package org.redisfailover.monitor;

import java.util.List;
import java.util.Map;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.NodeIdentity;

/**
 * What one probe learned about one node ({@code INFO server replication persistence keyspace}).
 *
 * @param reachable        answered PING (LOADING and MASTERDOWN count: the process is alive)
 * @param failure          for a node that did not answer, how the probe failed
 * @param master           ROLE says master
 * @param masterOf         for a replica, the master it replicates from (null otherwise)
 * @param linkUp           for a replica, whether its link to that master is up
 * @param linkDownSeconds  for a replica whose link is down, for how long (Redis' {@code master_link_down_since_seconds};
 *                         -1 when it does not say)
 * @param offset           master_repl_offset of a master, slave_repl_offset of a replica
 * @param replid           the replication id the node is on
 * @param replid2          the replication id it was on before its last switch (its own promotion, or its master's), or null
 * @param secondOffset     the offset at which it left {@code replid2} plus one ({@code second_repl_offset}), or -1
 * @param runId            the process' run id: new at every start
 * @param priority         replica-priority (0: never promote)
 * @param replicas         for a master, the replicas it reports connected (INFO replication's slaveN lines)
 * @param ackedOffsets     for a master, the offset each of its online replicas has acknowledged
 * @param aofEnabled       the node runs with {@code appendonly yes}
 * @param keys             how many keys it holds, over every database
 */
public record NodeStatus(
        NodeAddress address,
        boolean reachable,
        Failure failure,
        boolean master,
        NodeAddress masterOf,
        boolean linkUp,
        long linkDownSeconds,
        long offset,
        String replid,
        String replid2,
        long secondOffset,
        String runId,
        int priority,
        List<NodeAddress> replicas,
        Map<NodeAddress, Long> ackedOffsets,
        boolean aofEnabled,
        long keys) {

    /** How a probe of a node failed: the difference between a dead process and a slow one. */
    public enum Failure {
        /** It answered. */
        NONE,
        /** The connection was refused, reset or closed: no process serves the port (killed, crashed, restarting). */
        REFUSED,
        /** No answer within the probe timeout: a stalled, paused or cut-off process. */
        NO_REPLY,
        /**
         * It answered BUSY: alive, and running a long script or function (Redis answers nothing else until it ends
         * or is killed). Never a reason to call the node down; its last full status stands meanwhile.
         */
        BUSY
    }

    public NodeStatus {
        replicas = List.copyOf(replicas);
        ackedOffsets = Map.copyOf(ackedOffsets);
    }

    static NodeStatus unreachable(NodeAddress address) {
        return unreachable(address, Failure.NO_REPLY);
    }

    static NodeStatus unreachable(NodeAddress address, Failure failure) {
        return new NodeStatus(
                address, false, failure, false, null, false, -1, -1, null, null, -1, null, 0, List.of(), Map.of(),
                false, 0);
    }

    /** Whether the node carries the history of replication id {@code id}: it is on it, or was until its last switch. */
    boolean carries(String id) {
        return id != null && (id.equals(replid) || id.equals(replid2));
    }

    /**
     * How much of history {@code id} the node holds: its offset while it is on that history, the offset where it
     * left it when that is its previous one (a node promoted since, or whose master was: what it wrote on its own
     * history after that is not part of {@code id}'s), else -1.
     */
    long offsetOn(String id) {
        if (id == null || id.equals(replid)) {
            return offset;
        }
        if (id.equals(replid2)) {
            return secondOffset > 0 ? Math.min(offset, secondOffset - 1) : offset;
        }
        return -1;
    }

    /**
     * A master that left history {@code id} by a promotion no topology records (a leader's {@code REPLICAOF NO ONE}
     * whose switch it did not finish, or a replica detached while a failover waits): it still holds that history.
     */
    boolean promotedFrom(String id) {
        return master && id != null && id.equals(replid2);
    }

    /** The process and history to record for this node as a master, or null when it did not say. */
    NodeIdentity identity() {
        return runId == null ? null : new NodeIdentity(runId, replid);
    }
}

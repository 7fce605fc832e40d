package org.redisfailover.monitor;

import java.util.List;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.NodeIdentity;

/**
 * What one probe learned about one node ({@code INFO server replication}).
 *
 * @param reachable        answered PING (LOADING and MASTERDOWN count: the process is alive)
 * @param master           ROLE says master
 * @param masterOf         for a replica, the master it replicates from (null otherwise)
 * @param linkUp           for a replica, whether its link to that master is up
 * @param linkDownSeconds  for a replica whose link is down, for how long (Redis' {@code master_link_down_since_seconds};
 *                         -1 when it does not say)
 * @param offset           master_repl_offset of a master, slave_repl_offset of a replica
 * @param replid           the replication id the node is on
 * @param replid2          the replication id it was on before its last promotion (or its master's), or null
 * @param runId            the process' run id: new at every start
 * @param priority         replica-priority (0: never promote)
 * @param replicas         for a master, the replicas it reports connected (INFO replication's slaveN lines)
 */
public record NodeStatus(NodeAddress address, boolean reachable, boolean master, NodeAddress masterOf, boolean linkUp, long linkDownSeconds,
        long offset, String replid, String replid2, String runId, int priority, List<NodeAddress> replicas) {

    public NodeStatus {
        replicas = List.copyOf(replicas);
    }

    static NodeStatus unreachable(NodeAddress address) {
        return new NodeStatus(address, false, false, null, false, -1, -1, null, null, null, 0, List.of());
    }

    /** Whether the node carries the history of replication id {@code id}: it is on it, or was until its last switch. */
    boolean carries(String id) {
        return id != null && (id.equals(replid) || id.equals(replid2));
    }

    /** The process and history to record for this node as a master, or null when it did not say. */
    NodeIdentity identity() {
        return runId == null ? null : new NodeIdentity(runId, replid);
    }
}

package org.redisfailover.monitor;

import java.util.List;
import org.redisfailover.protocol.topology.NodeAddress;

/**
 * What one probe learned about one node.
 *
 * @param reachable answered PING (LOADING and MASTERDOWN count: the process is alive)
 * @param master    ROLE says master
 * @param masterOf  for a replica, the master it replicates from (null otherwise)
 * @param linkUp    for a replica, whether its link to that master is up
 * @param offset    master_repl_offset of a master, slave_repl_offset of a replica
 * @param replid    the replication id the node is on
 * @param priority  replica-priority (0: never promote)
 * @param replicas  for a master, the replicas it reports connected (INFO replication's slaveN lines)
 */
public record NodeStatus(NodeAddress address, boolean reachable, boolean master, NodeAddress masterOf, boolean linkUp, long offset,
        String replid, int priority, List<NodeAddress> replicas) {

    public NodeStatus {
        replicas = List.copyOf(replicas);
    }

    static NodeStatus unreachable(NodeAddress address) {
        return new NodeStatus(address, false, false, null, false, -1, null, 0, List.of());
    }
}

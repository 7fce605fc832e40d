package org.redisfailover.monitor;

import java.util.List;
import java.util.Map;
import org.redisfailover.protocol.topology.NodeAddress;

/**
 * The replicas a failover must count on ({@link SyncSetKeeper}), and the process each one counts as: a member
 * that answers as another process (it restarted, maybe from an older snapshot) has not been seen holding what
 * it acknowledged, and counts as unreachable.
 *
 * @param nodes  the members
 * @param runIds the run id each member counts as; a member with none counts as any process
 */
record SyncMembers(List<NodeAddress> nodes, Map<NodeAddress, String> runIds) {

    SyncMembers {
        nodes = List.copyOf(nodes);
        runIds = Map.copyOf(runIds);
    }

    /** Members whose processes are not known: the topology's replicas when safe mode is off. */
    static SyncMembers anyProcess(List<NodeAddress> nodes) {
        return new SyncMembers(nodes, Map.of());
    }

    /** Whether {@code status} (a member's) is the process that member counts as. */
    boolean isCountedProcess(NodeStatus status) {
        String expected = runIds.get(status.address());
        return expected == null || expected.equals(status.runId());
    }

    int size() {
        return nodes.size();
    }
}

package org.redisfailover.monitor;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.redisfailover.protocol.topology.NodeAddress;

/**
 * What one monitor knows after a probe round, for the leader's decisions.
 *
 * @param now                this round's status of every node
 * @param lastReachable      each node's latest status from a round in which it answered (a dead
 *                           master's last replication id and offset)
 * @param failingSinceMillis for a node failing now, the wall-clock time of the first failed probe of
 *                           this streak
 * @param downSinceMillis    for a node this monitor calls down, the wall-clock time of the round in which
 *                           this monitor called it down
 * @param lastSeenNanos      for each node that answered since this monitor started, when its latest answered probe
 *                           was sent ({@link System#nanoTime}: a pause of the monitor, or a clock step, moves nothing)
 */
record ProbeRound(
        Map<NodeAddress, NodeStatus> now,
        Map<NodeAddress, NodeStatus> lastReachable,
        Map<NodeAddress, Long> failingSinceMillis,
        Map<NodeAddress, Long> downSinceMillis,
        Map<NodeAddress, Long> lastSeenNanos) {

    ProbeRound {
        lastSeenNanos = Map.copyOf(lastSeenNanos);
        now = Map.copyOf(now);
        lastReachable = Map.copyOf(lastReachable);
        failingSinceMillis = Map.copyOf(failingSinceMillis);
        downSinceMillis = Map.copyOf(downSinceMillis);
    }

    /** Those of {@code nodes} this monitor calls down, in their order: what a topology lists as unreachable. */
    List<NodeAddress> down(Collection<NodeAddress> nodes) {
        return nodes.stream().filter(downSinceMillis::containsKey).toList();
    }

    NodeStatus status(NodeAddress node) {
        NodeStatus status = now.get(node);
        return status == null ? NodeStatus.unreachable(node) : status;
    }
}

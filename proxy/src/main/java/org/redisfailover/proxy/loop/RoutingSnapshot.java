package org.redisfailover.proxy.loop;

import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.proxy.backend.NodeHealth;

/**
 * What one routing decision is made from, read once: the topology, the master writes may go to now
 * (null: none), and the loop's view of node health. A decision never mixes two epochs.
 */
public record RoutingSnapshot(Topology topology, NodeAddress writableMaster, NodeHealth health) {

    /** Whether {@code node} is still routed to: the writable master or one of the replicas. */
    public boolean routes(NodeAddress node) {
        return node.equals(writableMaster) || topology.replicas().contains(node);
    }
}

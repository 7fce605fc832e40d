package org.redisfailover.proxy.server;

import java.util.List;
import org.redisfailover.protocol.command.RoutingClass;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.proxy.backend.NodeHealth;
import org.redisfailover.proxy.config.ReadPolicy;

/** Picks the node for a request: the master, or for reads a healthy replica in round-robin. Per loop. */
final class ReadRouter {

    private int next;

    /** The target, or null when the policy allows none (then {@link #noTargetError} says why). */
    NodeAddress target(RoutingClass routing, ReadPolicy policy, Topology topology, NodeHealth health) {
        if (routing == RoutingClass.READ && policy != ReadPolicy.MASTER) {
            NodeAddress replica = healthyReplica(topology.replicas(), health);
            if (replica != null || policy == ReadPolicy.REPLICA) {
                return replica;
            }
        }
        return topology.master();
    }

    static String noTargetError(RoutingClass routing, ReadPolicy policy) {
        if (routing == RoutingClass.READ && policy == ReadPolicy.REPLICA) {
            return "ERR redis-failover: no healthy replica to read from (read policy 'replica')";
        }
        return "ERR redis-failover: no master available";
    }

    private NodeAddress healthyReplica(List<NodeAddress> replicas, NodeHealth health) {
        int count = replicas.size();
        for (int i = 0; i < count; i++) {
            NodeAddress candidate = replicas.get(Math.floorMod(next++, count));
            if (health.isHealthy(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}

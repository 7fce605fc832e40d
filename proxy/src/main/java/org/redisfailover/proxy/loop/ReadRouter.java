package org.redisfailover.proxy.loop;

import java.util.List;
import org.redisfailover.protocol.command.RoutingClass;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.proxy.backend.NodeHealth;
import org.redisfailover.proxy.config.ReadPolicy;
import org.redisfailover.proxy.topology.ReplicationOffsets;

/**
 * Picks the node for a request: the master, or for reads a healthy replica in round-robin. Per loop.
 * Read-your-writes counts as prefer-replica here, for a client that has not written.
 */
public final class ReadRouter {

    private int next;

    /**
     * The target, or null: either the request needs the master and there is none to write to now
     * ({@link #needsMaster} true: the caller holds it), or the replica policy found no healthy replica.
     */
    public NodeAddress target(
            RoutingClass routing, ReadPolicy policy, Topology topology, NodeAddress writableMaster, NodeHealth health) {
        if (routing.isRead() && policy != ReadPolicy.MASTER) {
            NodeAddress replica = healthyReplica(topology.replicas(), health);
            if (replica != null || policy == ReadPolicy.REPLICA) {
                return replica;
            }
        }
        return writableMaster;
    }

    /** Whether a request of this class goes to the master under this policy (when no replica serves it). */
    public static boolean needsMaster(RoutingClass routing, ReadPolicy policy) {
        return !routing.isRead() || policy != ReadPolicy.REPLICA;
    }

    /** A healthy replica known to have replicated up to {@code offset}, in round-robin; null when none has. */
    public NodeAddress replicaAtOffset(
            List<NodeAddress> replicas, NodeHealth health, ReplicationOffsets offsets, long offset) {
        int count = replicas.size();
        for (int i = 0; i < count; i++) {
            NodeAddress candidate = replicas.get(Math.floorMod(next++, count));
            if (health.isHealthy(candidate) && offsets.hasReached(candidate, offset)) {
                return candidate;
            }
        }
        return null;
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

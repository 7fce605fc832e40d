package org.redisfailover.proxy.client;

import java.util.List;
import org.redisfailover.protocol.cluster.SlotMap;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.NodeHealth;
import org.redisfailover.proxy.config.ReadPolicy;

/**
 * Cluster mode: where a read goes within its shard, as {@code read-policy} says. {@code master}: the slot's
 * master. {@code prefer-replica} and {@code replica}: the shard's replicas in turn, skipping one that the
 * cluster does not call online (CLUSTER SHARDS' health: loading, failed) or that this loop cannot reach;
 * with none, the master, or for {@code replica} nobody. Every cluster connection is READONLY, so a replica
 * serves the read. A client that tracks keys reads on the master, where Redis tracks what it read.
 */
final class ShardReads {

    private final NodeHealth health;
    private int next;

    ShardReads(NodeHealth health) {
        this.health = health;
    }

    /** The node for a request of {@code route} to the shard of {@code master}; null for none (policy replica). */
    NodeAddress target(NodeAddress master, Route route, ReadPolicy policy, boolean tracking, SlotMap map) {
        if (!route.routingClass().isRead() || policy == ReadPolicy.MASTER || tracking) {
            return master;
        }
        List<SlotMap.Node> replicas = map.replicasOf(master);
        for (int i = 0; i < replicas.size(); i++) {
            SlotMap.Node replica = replicas.get(Math.floorMod(next++, replicas.size()));
            if (replica.health().equals("online") && health.isHealthy(replica.address())) {
                return replica.address();
            }
        }
        return policy == ReadPolicy.REPLICA ? null : master;
    }
}

package org.redisfailover.proxy.config;

import java.time.Duration;
import java.util.List;
import org.redisfailover.protocol.topology.NodeAddress;

/**
 * Cluster mode: the proxy fronts a Redis Cluster or Valkey cluster instead of one replication group.
 *
 * @param seeds           nodes asked for the slot map at start; every node seen since is asked too
 * @param refreshInterval how often the slot map is read again when nothing else asks for it (a MOVED, a lost
 *                        connection to a master, a slot with no master each ask at once)
 * @param splitMset       split an MSET whose keys span slots into one MSET per slot (it then loses its atomicity:
 *                        off by default, and the request gets Redis' own CROSSSLOT error)
 * @param announce        the address the proxy gives cluster-aware clients in CLUSTER SLOTS, SHARDS and NODES (behind
 *                        NAT or a load balancer); null: the address each client connected to
 */
public record ClusterSettings(
        List<NodeAddress> seeds, Duration refreshInterval, boolean splitMset, NodeAddress announce) {

    public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(1);

    /** The defaults but for the seeds. */
    public static ClusterSettings of(List<NodeAddress> seeds) {
        return new ClusterSettings(seeds, DEFAULT_REFRESH, false, null);
    }

    public ClusterSettings {
        seeds = List.copyOf(seeds);
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("cluster: at least one seed node (host:port) is needed");
        }
        if (seeds.stream().anyMatch(seed -> seed.port() == 0)) {
            throw new IllegalArgumentException("cluster: a seed node needs a port");
        }
        if (announce != null && announce.port() == 0) {
            throw new IllegalArgumentException("cluster-announce: a port is needed");
        }
        if (refreshInterval.toMillis() < 10) {
            throw new IllegalArgumentException(
                    "cluster-refresh-ms: " + refreshInterval.toMillis() + " (expected: >= 10)");
        }
    }
}

package org.redisfailover.proxy.server;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.proxy.loop.NodeReachability;
import org.redisfailover.proxy.metrics.ProxyMetrics;
import org.redisfailover.proxy.topology.TopologyHolder;

/**
 * {@code node_up{node, role}}: one gauge per node of the topology the proxy routes by, 1 while it is
 * healthy as far as this process can tell (every event loop reaches it, and for a replica the leading
 * monitor's probes too), else 0. A node that leaves the topology loses its gauge, so a replica promoted
 * by a failover shows as {@code role="master"}, not as a replica gone. Refreshed before each scrape.
 */
final class NodeHealthGauges {

    private static final String FAMILY = "node_up";
    private static final String HELP =
            "1 while a node of the topology is reachable from every I/O thread of this proxy (and, for a "
                    + "replica, from the leading monitor), else 0; role: master or replica";

    private final ProxyMetrics metrics;
    private final TopologyHolder topology;
    private final NodeReachability reachability;
    /** The gauges registered now: node to role. */
    private final Map<NodeAddress, String> registered = new HashMap<>();

    NodeHealthGauges(ProxyMetrics metrics, TopologyHolder topology, NodeReachability reachability) {
        this.metrics = metrics;
        this.topology = topology;
        this.reachability = reachability;
    }

    synchronized void refresh() {
        Topology current = topology.current();
        Map<NodeAddress, String> wanted = new LinkedHashMap<>();
        if (current.master() != null) {
            wanted.put(current.master(), "master");
        }
        current.replicas().forEach(replica -> wanted.putIfAbsent(replica, "replica"));
        registered.entrySet().removeIf(entry -> {
            boolean gone = !entry.getValue().equals(wanted.get(entry.getKey()));
            if (gone) {
                metrics.removeGauge(FAMILY, "node", entry.getKey().toString(), "role", entry.getValue());
            }
            return gone;
        });
        wanted.forEach((node, role) -> {
            if (registered.putIfAbsent(node, role) == null) {
                metrics.gauge(FAMILY, HELP, () -> up(node, role) ? 1 : 0, "node", node.toString(), "role", role);
            }
        });
    }

    private boolean up(NodeAddress node, String role) {
        return reachability.reachable(node)
                && (role.equals("master") || !topology.current().unreachable().contains(node));
    }
}

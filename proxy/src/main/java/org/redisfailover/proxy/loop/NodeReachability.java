package org.redisfailover.proxy.loop;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.redisfailover.protocol.topology.NodeAddress;

/**
 * Which nodes some event loop of this proxy cannot reach now, gathered from every loop's own
 * {@link org.redisfailover.proxy.backend.NodeHealth} for readers off the loops: the per-node health gauge
 * and, with a fixed master, {@code /ready}. Thread-safe.
 */
public final class NodeReachability {

    /** How many loops have the node down; absent: none. */
    private final Map<NodeAddress, Integer> loopsDown = new ConcurrentHashMap<>();

    void down(NodeAddress node) {
        loopsDown.merge(node, 1, Integer::sum);
    }

    void up(NodeAddress node) {
        loopsDown.computeIfPresent(node, (n, count) -> count > 1 ? count - 1 : null);
    }

    /** Whether every loop reaches the node (a node never tried counts as reachable). */
    public boolean reachable(NodeAddress node) {
        return !loopsDown.containsKey(node);
    }
}

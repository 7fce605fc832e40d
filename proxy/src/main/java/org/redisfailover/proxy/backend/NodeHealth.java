package org.redisfailover.proxy.backend;

import java.util.HashSet;
import java.util.Set;
import org.redisfailover.protocol.topology.NodeAddress;

/**
 * Which nodes this event loop currently cannot reach, as learned from its own backend connections.
 * A node is healthy until a connection to it fails, and again once one succeeds. Confined to the loop.
 */
public final class NodeHealth {

    private final Set<NodeAddress> down = new HashSet<>();

    public boolean isHealthy(NodeAddress node) {
        return !down.contains(node);
    }

    void markDown(NodeAddress node) {
        down.add(node);
    }

    void markUp(NodeAddress node) {
        down.remove(node);
    }
}

package org.redisfailover.proxy.backend;

import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;
import org.redisfailover.protocol.topology.NodeAddress;

/**
 * Which nodes this event loop currently cannot reach, as learned from its own backend connections.
 * A node is healthy until a connection to it fails, and again once one succeeds. Confined to the loop.
 */
public final class NodeHealth {

    private final Set<NodeAddress> down = new HashSet<>();
    private Consumer<NodeAddress> onRecovered = node -> {};
    private Consumer<NodeAddress> onDown = node -> {};

    /** Called (on the loop) when a node that was down is reachable again. */
    public void onRecovered(Consumer<NodeAddress> listener) {
        this.onRecovered = listener;
    }

    /** Called (on the loop) when a node that was reachable fails. */
    public void onDown(Consumer<NodeAddress> listener) {
        this.onDown = listener;
    }

    public boolean isHealthy(NodeAddress node) {
        return !down.contains(node);
    }

    void markDown(NodeAddress node) {
        if (down.add(node)) {
            onDown.accept(node);
        }
    }

    void markUp(NodeAddress node) {
        if (down.remove(node)) {
            onRecovered.accept(node);
        }
    }
}

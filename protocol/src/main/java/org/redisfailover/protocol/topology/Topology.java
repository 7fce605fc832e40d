package org.redisfailover.protocol.topology;

import java.util.List;

/**
 * Who is master and who are replicas, at one epoch. Immutable: a change of topology is a new
 * snapshot, swapped whole, so a request never sees half of one topology and half of the next.
 *
 * @param epoch    strictly increasing across changes; an older epoch never replaces a newer one
 * @param master   the node that takes writes, or null while there is none (during a switch)
 * @param replicas the nodes reads may go to, in a stable order
 */
public record Topology(long epoch, NodeAddress master, List<NodeAddress> replicas) {

    public Topology {
        replicas = List.copyOf(replicas);
        if (master != null && replicas.contains(master)) {
            throw new IllegalArgumentException(master + " cannot be both master and replica");
        }
        if (replicas.stream().distinct().count() != replicas.size()) {
            throw new IllegalArgumentException("replicas listed twice: " + replicas);
        }
    }

    public boolean hasMaster() {
        return master != null;
    }
}

package org.redisfailover.proxy.server;

import java.util.concurrent.atomic.AtomicReference;
import org.redisfailover.protocol.topology.Topology;

/**
 * The topology every event loop routes by: one immutable snapshot, replaced whole. Only a newer epoch
 * replaces the current one, so a late or repeated update can never roll the proxy back.
 */
public final class TopologyHolder {

    private final AtomicReference<Topology> current;

    public TopologyHolder(Topology initial) {
        current = new AtomicReference<>(initial);
    }

    public Topology current() {
        return current.get();
    }

    /** Installs {@code next} if its epoch is newer; returns whether it did. */
    public boolean update(Topology next) {
        for (;;) {
            Topology now = current.get();
            if (next.epoch() <= now.epoch()) {
                return false;
            }
            if (current.compareAndSet(now, next)) {
                return true;
            }
        }
    }
}

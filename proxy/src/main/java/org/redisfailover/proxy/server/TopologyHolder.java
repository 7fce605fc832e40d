package org.redisfailover.proxy.server;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.redisfailover.protocol.topology.Topology;

/**
 * The topology every event loop routes by: one immutable snapshot, replaced whole. Only a newer epoch
 * replaces the current one, so a late or repeated update can never roll the proxy back.
 *
 * <p>Also holds the fence: while fenced (no confirmed ZooKeeper view for too long) the proxy treats
 * the master as absent and acknowledges no writes, whatever the last topology said.
 */
public final class TopologyHolder {

    private final AtomicReference<Topology> current;
    private final AtomicBoolean fenced = new AtomicBoolean();
    private final List<BiConsumer<Topology, Topology>> listeners = new CopyOnWriteArrayList<>();

    public TopologyHolder(Topology initial) {
        current = new AtomicReference<>(initial);
    }

    public Topology current() {
        return current.get();
    }

    /** Installs {@code next} if its epoch is newer; returns whether it did. Listeners hear of it. */
    public boolean update(Topology next) {
        for (;;) {
            Topology now = current.get();
            if (next.epoch() <= now.epoch()) {
                return false;
            }
            if (current.compareAndSet(now, next)) {
                listeners.forEach(listener -> listener.accept(now, next));
                return true;
            }
        }
    }

    public boolean isFenced() {
        return fenced.get();
    }

    /** Fences or unfences the proxy; listeners hear of a change (with the topology unchanged). */
    public void setFenced(boolean value) {
        if (fenced.compareAndSet(!value, value)) {
            Topology now = current.get();
            listeners.forEach(listener -> listener.accept(now, now));
        }
    }

    /** The master writes may go to now: none while there is none or while fenced. */
    public org.redisfailover.protocol.topology.NodeAddress writableMaster() {
        return fenced.get() ? null : current.get().master();
    }

    /** Called with (previous, current) after every topology change and every fence change. */
    public void addListener(BiConsumer<Topology, Topology> listener) {
        listeners.add(listener);
    }
}

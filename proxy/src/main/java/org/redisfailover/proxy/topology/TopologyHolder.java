package org.redisfailover.proxy.topology;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;

/**
 * The topology every event loop routes by: one immutable snapshot, replaced whole. Only a newer epoch
 * replaces the current one, so a late or repeated update can never roll the proxy back.
 *
 * <p>Also holds what decides whether the master may be written to at all: the {@link WriteLease} (checked
 * on every write, on the clock), and the fence, set once the ZooKeeper lease has lapsed, which makes every
 * event loop drop its connections to the master (what they carried gets an honest "unknown outcome").
 */
public final class TopologyHolder {

    private final AtomicReference<Topology> current;
    private final WriteLease lease;
    private final AtomicBoolean fenced = new AtomicBoolean();
    private final List<BiConsumer<Topology, Topology>> listeners = new CopyOnWriteArrayList<>();

    public TopologyHolder(Topology initial, WriteLease lease) {
        this.current = new AtomicReference<>(initial);
        this.lease = lease;
        lease.guard(initial);
    }

    /** A holder for a proxy with a fixed master: no leases. */
    public TopologyHolder(Topology initial) {
        this(initial, WriteLease.none());
    }

    public Topology current() {
        return current.get();
    }

    public WriteLease lease() {
        return lease;
    }

    /** Installs {@code next} if its epoch is newer; returns whether it did. Listeners hear of it. */
    public boolean update(Topology next) {
        for (; ; ) {
            Topology now = current.get();
            if (next.epoch() <= now.epoch()) {
                return false;
            }
            if (current.compareAndSet(now, next)) {
                lease.guard(next);
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
            notifyUnchanged();
        }
    }

    /** A lease that had lapsed holds again: the loops release what they held (listeners, topology unchanged). */
    public void leaseRestored() {
        notifyUnchanged();
    }

    private void notifyUnchanged() {
        Topology now = current.get();
        listeners.forEach(listener -> listener.accept(now, now));
    }

    /** The master writes may go to now: none while there is none, while fenced, or while a lease has lapsed. */
    public NodeAddress writableMaster() {
        return writableMaster(current.get());
    }

    /**
     * The master of {@code snapshot} (one the caller took from {@link #current()}) that writes may go to now: one
     * routing decision reads the topology once, so it never mixes two epochs.
     */
    public NodeAddress writableMaster(Topology snapshot) {
        NodeAddress master = snapshot.master();
        if (master == null || fenced.get() || (lease.followsZooKeeper() && !lease.writable(System.nanoTime()))) {
            return null;
        }
        return master;
    }

    /**
     * The master the event loops keep connections to: the topology's, unless fenced. A lapsed lease does not
     * close them (the master is not known to be replaced; writes wait until the lease is renewed).
     */
    public NodeAddress routedMaster() {
        return fenced.get() ? null : current.get().master();
    }

    /** Whether the reply of a write may be passed on now (the ZooKeeper write lease still holds). */
    public boolean acknowledgesWrites() {
        return lease.confirmedForWrites(System.nanoTime());
    }

    /**
     * Whether the one thing keeping writes from the master is the replication lease: there is a master, ZooKeeper
     * confirms it, but no replica has acknowledged its replication lately.
     */
    public boolean waitsForReplication() {
        long now = System.nanoTime();
        return current.get().hasMaster() && !fenced.get() && lease.confirmed(now) && !lease.replicated(now);
    }

    /** Why no write goes to a master now, in words, or null when one can. */
    public String notWritableReason() {
        Topology topology = current.get();
        long now = System.nanoTime();
        if (topology.epoch() == 0) {
            return "no topology read from ZooKeeper yet";
        }
        if (fenced.get() || !lease.confirmed(now)) {
            return "fenced: no ZooKeeper confirmation of the topology for "
                    + lease.confirmationAgeNanos(now) / 1_000_000 + " ms";
        }
        if (!topology.hasMaster()) {
            return "no master at epoch " + topology.epoch() + " ("
                    + topology.phase().json() + ")";
        }
        if (!lease.confirmedForWrites(now)) {
            return "no ZooKeeper confirmation of the topology for " + lease.confirmationAgeNanos(now) / 1_000_000
                    + " ms (writes wait " + "after " + lease.writeLeaseMillis() + " ms, the proxy fences itself after "
                    + lease.fenceMillis() + " ms)";
        }
        if (!lease.replicated(now)) {
            return "no replica has acknowledged the master's replication for " + lease.replicationAgeMillis(now)
                    + " ms";
        }
        return null;
    }

    /** Called with (previous, current) after every topology change, fence change and restored lease. */
    public void addListener(BiConsumer<Topology, Topology> listener) {
        listeners.add(listener);
    }
}

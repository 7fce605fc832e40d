package org.redisfailover.proxy.topology;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.redisfailover.protocol.cluster.HashSlots;
import org.redisfailover.protocol.cluster.SlotMap;
import org.redisfailover.protocol.command.ClusterCommands;
import org.redisfailover.protocol.topology.NodeAddress;

/**
 * Cluster mode: what every loop reads about the cluster the proxy fronts, the slot map and the commands its
 * nodes know (both null until first read), and the way to ask for the map to be read again. Written by the
 * refresher on one loop, and by any loop that hears a MOVED. Thread-safe.
 */
public final class ClusterView {

    private final AtomicReference<SlotMap> map = new AtomicReference<>();
    private final ScriptSources scripts = new ScriptSources();
    private volatile ClusterCommands commands;
    /** Read the command table again at most this often. */
    static final long COMMANDS_REREAD_MILLIS = 5_000;

    private volatile boolean commandsWanted;
    private volatile long commandsReadNanos;
    private final List<BiConsumer<SlotMap, SlotMap>> listeners = new CopyOnWriteArrayList<>();
    private volatile Runnable refresh = () -> {};
    /** When a slot last had no master while one was asked for (0: none since the map covered every slot). */
    private volatile long uncoveredSinceNanos;
    /**
     * Since when a connection to a node failed or a slot had no master, with no new owner learnt since (0: not):
     * a shard may be failing over, and the map is read often until the cluster has promoted a replica.
     */
    private volatile long urgentSinceNanos;
    /** The time some slot a request needed had no master, ended periods only. */
    private final java.util.concurrent.atomic.AtomicLong uncoveredNanos = new java.util.concurrent.atomic.AtomicLong();

    /** The slot map, or null before the first read. */
    public SlotMap map() {
        return map.get();
    }

    /** The scripts clients loaded through the proxy, to load again on a node that lacks one. */
    public ScriptSources scripts() {
        return scripts;
    }

    /** The commands the nodes know, or null before they answered {@code COMMAND}. */
    public ClusterCommands commands() {
        return commands;
    }

    public void commands(ClusterCommands known) {
        commands = known;
        commandsReadNanos = System.nanoTime();
    }

    /**
     * A client sent a command the nodes' table lacks: a module loaded since, or a server upgraded under the proxy,
     * may have added it. The table is read again, at most every {@value #COMMANDS_REREAD_MILLIS} ms however many
     * unknown commands come (a client repeating a typo costs nothing more).
     */
    public void unknownCommand() {
        if (!commandsWanted) {
            commandsWanted = true;
            requestRefresh();
        }
    }

    /** Whether the refresher should read the command table again now; true once per wish, when it is due. */
    public boolean takeCommandsWanted() {
        if (!commandsWanted
                || System.nanoTime() - commandsReadNanos < TimeUnit.MILLISECONDS.toNanos(COMMANDS_REREAD_MILLIS)) {
            return false;
        }
        commandsWanted = false;
        return true;
    }

    /** Installs a map read from the cluster; listeners hear of it when its shape changed ({@link SlotMap#sameShape}). */
    public void install(SlotMap read) {
        SlotMap previous = map.getAndSet(read);
        if (read.covered() == HashSlots.COUNT) {
            long since = uncoveredSinceNanos;
            if (since != 0) {
                uncoveredNanos.addAndGet(System.nanoTime() - since);
            }
            uncoveredSinceNanos = 0;
            if (previous != null && !previous.sameOwners(read)) {
                urgentSinceNanos = 0; // the new owners are known
            }
        }
        if (previous == null || !previous.sameShape(read)) {
            listeners.forEach(listener -> listener.accept(previous, read));
        }
    }

    /**
     * A node answered MOVED: {@code slot} is served by {@code owner} now. Applied at once, so the next requests
     * go there without waiting for the refresh it asks for.
     */
    public void moved(int slot, NodeAddress owner) {
        SlotMap current;
        SlotMap updated;
        do {
            current = map.get();
            if (current == null || owner.equals(current.master(slot))) {
                break;
            }
            updated = current.withOwner(slot, owner);
        } while (!map.compareAndSet(current, updated));
        requestRefresh();
    }

    /** A slot had no master when a request needed one: noted for the metrics, and a refresh is asked for. */
    public void uncovered() {
        if (uncoveredSinceNanos == 0) {
            uncoveredSinceNanos = System.nanoTime();
        }
        nodeFailed();
    }

    /** A connection to a node failed: its shard may be failing over; the map is read now, and often until it has. */
    public void nodeFailed() {
        if (urgentSinceNanos == 0) {
            urgentSinceNanos = System.nanoTime();
        }
        requestRefresh();
    }

    /** Since when a shard may be failing over ({@link #nodeFailed()}), or 0. */
    public long urgentSinceNanos() {
        return urgentSinceNanos;
    }

    /** The refresher gave up reading the map often: nothing changed for long. */
    public void calm() {
        urgentSinceNanos = 0;
    }

    /** The time some slot a request needed had no master, in total since the start, in seconds. */
    public double uncoveredSeconds() {
        long since = uncoveredSinceNanos;
        long ongoing = since == 0 ? 0 : System.nanoTime() - since;
        return (uncoveredNanos.get() + ongoing) / 1e9;
    }

    /** Asks the refresher to read the map again soon (it reads once however many ask). */
    public void requestRefresh() {
        refresh.run();
    }

    /** The refresher: what {@link #requestRefresh()} runs (safe to call from any thread). */
    public void onRefreshRequest(Runnable action) {
        refresh = action;
    }

    /** Told (previous map or null, new map) on the installing thread when who serves a slot changed. */
    public void addListener(BiConsumer<SlotMap, SlotMap> listener) {
        listeners.add(listener);
    }
}

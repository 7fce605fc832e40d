package org.redisfailover.monitor;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import org.apache.curator.utils.ThreadUtils;
import org.redisfailover.protocol.topology.NodeAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes every watched node on a schedule of its own: each node is probed every interval, unless its
 * previous probe is still waiting for its timeout. So a stalled node (frozen, or behind a silent
 * partition) costs its own probes their timeout but never delays the verdict on another node, as one
 * probe round waiting for all nodes did. Each node's consecutive failures, and since when it fails, are
 * counted as its probes complete.
 */
final class NodeProbes implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(NodeProbes.class);

    private final MonitorSettings settings;
    private final UnaryOperator<NodeAddress> dial;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService probeThreads;
    private final Map<NodeAddress, Tracker> trackers = new ConcurrentHashMap<>();
    /** Told (on a probe thread) when a node has just been called down, or has just answered again after being down. */
    private final Runnable verdictChanged;

    /** One node: its prober, its schedule and what its probes found. Fields guarded by the tracker. */
    private final class Tracker {
        final NodeAddress address;
        final NodeProber prober;
        final ScheduledFuture<?> schedule;
        boolean running;
        NodeStatus latest;
        NodeStatus lastReachable;
        /** When the latest probe it answered was sent (monotonic), or null: never since this monitor started. */
        Long lastSeenNanos;

        int failures;
        Long failingSinceMillis;
        long failingSinceNanos;
        Long downSinceMillis;
        /** Since when its probes have been answered BUSY (monotonic), or null. */
        Long busySinceNanos;
        /** Whether the script that keeps it busy was already sent its kill. */
        boolean killSent;

        Tracker(NodeAddress node) {
            this.address = node;
            this.prober = new NodeProber(
                    node, dial.apply(node), (int) settings.probeTimeout().toMillis(), settings.access());
            this.latest = NodeStatus.unreachable(node);
            this.schedule = scheduler.scheduleWithFixedDelay(
                    this::probeIfIdle, 0, settings.probeInterval().toMillis(), TimeUnit.MILLISECONDS);
        }

        private void probeIfIdle() {
            synchronized (this) {
                if (running) {
                    return;
                }
                running = true;
            }
            try {
                probeThreads.execute(() -> {
                    long startedMillis = System.currentTimeMillis();
                    long startedNanos = System.nanoTime();
                    NodeStatus status = prober.probe();
                    boolean changed;
                    boolean killDue;
                    synchronized (this) {
                        running = false;
                        changed = record(status, startedMillis, startedNanos);
                        killDue = killDue(status, startedNanos);
                    }
                    if (killDue) {
                        killBusyScript();
                    }
                    if (changed) {
                        verdictChanged.run();
                    }
                });
            } catch (RejectedExecutionException closing) {
                synchronized (this) {
                    running = false;
                }
            }
        }

        /**
         * Returns whether the node's verdict changed: just called down, or up again after being down. A node is
         * down after {@code down-after-failures} failed probes in a row when the last one found no process at its
         * port (dead); when the probes only went unanswered (a slow, paused or cut-off process), once they have
         * failed for {@code slow-down-after} too.
         */
        private boolean record(NodeStatus status, long startedMillis, long startedNanos) {
            latest = status;
            if (status.failure() == NodeStatus.Failure.BUSY && lastReachable != null) {
                latest = lastReachable; // alive: what it last said stands while a script keeps it from saying more
            }
            if (status.reachable() || status.failure() == NodeStatus.Failure.BUSY) {
                boolean wasDown = downSinceMillis != null;
                failures = 0;
                if (status.reachable()) {
                    lastReachable = status;
                }
                lastSeenNanos = startedNanos;
                failingSinceMillis = null;
                downSinceMillis = null;
                return wasDown;
            }
            failures++;
            if (failingSinceMillis == null) {
                failingSinceMillis = startedMillis;
                failingSinceNanos = startedNanos;
            }
            boolean dead = status.failure() == NodeStatus.Failure.REFUSED;
            boolean silentTooLong =
                    startedNanos - failingSinceNanos >= settings.slowDownAfter().toNanos();
            if (failures >= settings.downAfterFailures() && (dead || silentTooLong) && downSinceMillis == null) {
                downSinceMillis = startedMillis;
                return true;
            }
            return false;
        }

        /**
         * Whether the node has been busy for as long as a silent one takes to be called down ({@code slow-down-after})
         * and its script was not sent a kill yet: Sentinel's rule for a master busy past its down-after time, applied
         * to every node (a read-only script may keep a replica busy).
         */
        private boolean killDue(NodeStatus status, long startedNanos) {
            if (status.failure() != NodeStatus.Failure.BUSY) {
                busySinceNanos = null;
                killSent = false;
                return false;
            }
            if (busySinceNanos == null) {
                busySinceNanos = startedNanos;
            }
            if (killSent
                    || startedNanos - busySinceNanos < settings.slowDownAfter().toNanos()) {
                return false;
            }
            killSent = true;
            return true;
        }

        private void killBusyScript() {
            String answer = prober.killBusyScript();
            if (answer != null) {
                log.atWarn()
                        .addKeyValue("event", answer.startsWith("OK") ? "busy_script_killed" : "busy_script_not_killed")
                        .addKeyValue("node", address)
                        .log(
                                "{} has been busy with a script for {} ms: sent it the kill it names, answered: {}",
                                address,
                                settings.slowDownAfter().toMillis(),
                                answer);
            }
        }
    }

    NodeProbes(MonitorSettings settings, UnaryOperator<NodeAddress> dial, Runnable verdictChanged) {
        this.settings = settings;
        this.dial = dial;
        this.verdictChanged = verdictChanged;
        this.scheduler =
                Executors.newSingleThreadScheduledExecutor(ThreadUtils.newThreadFactory("redis-failover-probe-timer"));
        this.probeThreads = Executors.newCachedThreadPool(ThreadUtils.newThreadFactory("redis-failover-probe"));
    }

    /** Probes these nodes from now on (nodes already probed go on; none is dropped: a node may come back). */
    void watch(Set<NodeAddress> nodes) {
        for (NodeAddress node : nodes) {
            trackers.computeIfAbsent(node, Tracker::new);
        }
    }

    /** What the latest probes of the watched nodes found. */
    ProbeRound snapshot() {
        Map<NodeAddress, NodeStatus> now = new LinkedHashMap<>();
        Map<NodeAddress, NodeStatus> lastReachable = new LinkedHashMap<>();
        Map<NodeAddress, Long> failingSince = new LinkedHashMap<>();
        Map<NodeAddress, Long> downSince = new LinkedHashMap<>();
        Map<NodeAddress, Long> lastSeen = new LinkedHashMap<>();
        trackers.forEach((node, tracker) -> {
            synchronized (tracker) {
                now.put(node, tracker.latest);
                if (tracker.lastReachable != null) {
                    lastReachable.put(node, tracker.lastReachable);
                }
                if (tracker.lastSeenNanos != null) {
                    lastSeen.put(node, tracker.lastSeenNanos);
                }
                if (tracker.failingSinceMillis != null) {
                    failingSince.put(node, tracker.failingSinceMillis);
                }
                if (tracker.downSinceMillis != null) {
                    downSince.put(node, tracker.downSinceMillis);
                }
            }
        });
        return new ProbeRound(now, lastReachable, failingSince, downSince, lastSeen);
    }

    /** The latest status of {@code node} from a probe it answered, or null (not watched, or never answered). */
    NodeStatus lastReachable(NodeAddress node) {
        Tracker tracker = trackers.get(node);
        if (tracker == null) {
            return null;
        }
        synchronized (tracker) {
            return tracker.lastReachable;
        }
    }

    /** The nodes this monitor calls down (see {@link Tracker#record}). */
    List<NodeAddress> down() {
        List<NodeAddress> down = new ArrayList<>();
        trackers.forEach((node, tracker) -> {
            synchronized (tracker) {
                if (tracker.downSinceMillis != null) {
                    down.add(node);
                }
            }
        });
        return down;
    }

    /**
     * Probes {@code nodes} now, in parallel, and waits for all (each within its probe timeout): the leader's
     * fresh look at the candidates once the proxies have stopped writing.
     */
    Map<NodeAddress, NodeStatus> probeNow(Collection<NodeAddress> nodes) throws InterruptedException {
        Map<NodeAddress, Future<NodeStatus>> pending = new LinkedHashMap<>();
        for (NodeAddress node : nodes) {
            NodeProber prober = prober(node);
            pending.put(node, probeThreads.submit(prober::probe));
        }
        Map<NodeAddress, NodeStatus> statuses = new LinkedHashMap<>();
        long waitMillis = 2 * settings.probeTimeout().toMillis() + 1_000; // a connect and a reply, each bounded
        for (Map.Entry<NodeAddress, Future<NodeStatus>> entry : pending.entrySet()) {
            try {
                statuses.put(entry.getKey(), entry.getValue().get(waitMillis, TimeUnit.MILLISECONDS));
            } catch (ExecutionException | TimeoutException e) {
                statuses.put(entry.getKey(), NodeStatus.unreachable(entry.getKey(), NodeStatus.Failure.NO_REPLY));
            }
        }
        return statuses;
    }

    NodeProber prober(NodeAddress node) {
        return trackers.computeIfAbsent(node, Tracker::new).prober;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        probeThreads.shutdownNow();
        trackers.values().forEach(tracker -> {
            tracker.schedule.cancel(false);
            tracker.prober.close();
        });
    }
}

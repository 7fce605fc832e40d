package org.redisfailover.app;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.utils.ThreadUtils;
import org.redisfailover.monitor.Monitor;
import org.redisfailover.monitor.SwitchHistory;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.SwitchEvent;
import org.redisfailover.protocol.topology.ZkLayout;
import org.redisfailover.proxy.metrics.ProxyMetrics;
import org.redisfailover.proxy.metrics.StripedHistogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Metrics of the replication group as this process sees it through ZooKeeper and its co-located
 * monitor: the session's state, leadership, each replica's lag, and the phases of the last switch.
 * Read when scraped; the set of replicas is refreshed then too. The failover history is read from
 * ZooKeeper in the background, never on the scrape: a ZooKeeper that is down or slow must not stall
 * {@code /metrics} (a scrape shows the history as the previous one left it).
 */
public final class GroupMetrics {

    private static final Logger log = LoggerFactory.getLogger(GroupMetrics.class);

    /** The phases of a switch, as the event in {@code events/} times them, and their label values. */
    private static final Map<String, Function<SwitchEvent, Long>> PHASES = Map.of(
            "detection", SwitchEvent::detectionMs,
            "decision", SwitchEvent::decisionMs,
            "proxies", SwitchEvent::proxiesMs,
            "promotion", SwitchEvent::promotionMs,
            "total", SwitchEvent::totalMs);

    private final ProxyMetrics metrics;
    private final CuratorFramework client;
    private final ZkLayout layout;
    private final Monitor monitor;
    private volatile Map<NodeAddress, Long> lag = Map.of();
    private final Set<NodeAddress> lagGauges = new HashSet<>();
    private volatile SwitchEvent lastSwitch;
    /** Whether the newest event is a failover waiting for a replica it may promote. */
    private volatile boolean failoverWaiting;
    /** Whether some monitor, in any process, holds the group's leader latch (null until first read). */
    private volatile Boolean leaderElected;

    private final AtomicBoolean readingHistory = new AtomicBoolean();
    /** Each phase of every switch completed since this process started, for quantiles across switches and proxies. */
    private final Map<String, StripedHistogram> phaseDurations = new HashMap<>();
    /** The newest event counted into {@link #phaseDurations} (-1 until the history is first read; one reader at a time). */
    private long countedUpToMillis = -1;

    private GroupMetrics(ProxyMetrics metrics, CuratorFramework client, ZkLayout layout, Monitor monitor) {
        this.metrics = metrics;
        this.client = client;
        this.layout = layout;
        this.monitor = monitor;
        PHASES.keySet()
                .forEach(phase -> phaseDurations.put(
                        phase,
                        metrics.histogram(
                                "switch_phase_duration_seconds",
                                "Phases of the failovers and switchovers completed since this process started (as last_switch_phase_seconds)",
                                StripedHistogram.PHASE_BOUNDS,
                                "phase",
                                phase)));
    }

    /** Registers the group's gauges; {@code monitor} is null when no monitor runs in this process. */
    public static void register(ProxyMetrics metrics, CuratorFramework client, ZkLayout layout, Monitor monitor) {
        GroupMetrics group = new GroupMetrics(metrics, client, layout, monitor);
        metrics.gauge(
                "zookeeper_connected",
                "1 while this process's ZooKeeper session is connected",
                () -> client.getZookeeperClient().isConnected() ? 1 : 0);
        if (monitor != null) {
            metrics.gauge(
                    "monitor_leader",
                    "1 while the monitor in this process is the group's leader (the one that fails over)",
                    () -> monitor.isLeader() ? 1 : 0);
        }
        metrics.gauge(
                "last_switch_epoch",
                "Topology epoch the last completed failover or switchover wrote",
                () -> group.lastSwitch == null ? null : group.lastSwitch.epoch());
        PHASES.forEach((phase, timing) -> metrics.gauge(
                "last_switch_phase_seconds",
                "Phases of the last completed failover or switchover: detection (first failed probe to the leader's verdict), "
                        + "decision (to a majority of monitors agreeing), proxies (until every proxy held writes), "
                        + "promotion (to the new master's epoch), total (how long writes were held)",
                () -> {
                    SwitchEvent event = group.lastSwitch;
                    Long millis = event == null ? null : timing.apply(event);
                    return millis == null ? null : millis / 1000.0;
                },
                "phase",
                phase));
        metrics.gauge(
                "group_leader_elected",
                "1 while some monitor of the group (in any process, standalone or beside a proxy) "
                        + "leads it, as read from ZooKeeper at the last scrape; 0: no failover can happen",
                () -> group.leaderElected == null ? null : group.leaderElected ? 1 : 0);
        metrics.gauge(
                "failover_waiting",
                "1 while the group's newest event is a failover waiting for a replica it may promote "
                        + "(the event's detail says why: safe mode's promotion rule, or no eligible replica); writes are held, then refused",
                () -> group.failoverWaiting ? 1 : 0);
        metrics.beforeScrape(group::refresh);
        // The baseline of the phase histograms: switches before this read are not counted, so read now, at start,
        // rather than at the first scrape (a switch between the two would go uncounted).
        group.refresh();
    }

    private void readHistory() {
        try {
            leaderElected = client.checkExists().forPath(layout.leader()) != null
                    && !client.getChildren().forPath(layout.leader()).isEmpty();
            List<SwitchEvent> events = SwitchHistory.recent(client, layout, SwitchHistory.LIMIT);
            SwitchEvent newest = events.stream()
                    .filter(SwitchEvent::changesMaster)
                    .reduce((first, second) -> second)
                    .orElse(null);
            failoverWaiting = newest != null && "failover".equals(newest.kind()) && "waiting".equals(newest.outcome());
            long newestMillis =
                    events.stream().mapToLong(SwitchEvent::atMillis).max().orElse(0);
            if (countedUpToMillis >= 0) {
                for (SwitchEvent event : events) {
                    if (event.atMillis() > countedUpToMillis
                            && "done".equals(event.outcome())
                            && event.changesMaster()) {
                        PHASES.forEach((phase, timing) -> {
                            Long millis = timing.apply(event);
                            if (millis != null) {
                                phaseDurations.get(phase).record(millis * 1_000_000);
                            }
                        });
                    }
                }
            }
            // The first read sets the baseline: switches before this process started are not counted.
            countedUpToMillis = Math.max(countedUpToMillis, newestMillis);
            SwitchEvent newestDone = lastDone(events);
            if (newestDone != null) {
                lastSwitch = newestDone;
            }
        } catch (Exception e) {
            ThreadUtils.checkInterrupted(e);
            log.debug("could not read the failover history for metrics: {}", e.toString());
        } finally {
            readingHistory.set(false);
        }
    }

    private static SwitchEvent lastDone(List<SwitchEvent> events) {
        for (int i = events.size() - 1; i >= 0; i--) {
            if ("done".equals(events.get(i).outcome())
                    && !"forget".equals(events.get(i).kind())) {
                return events.get(i);
            }
        }
        return null;
    }

    /** Before a scrape: the last switch from ZooKeeper, and one lag gauge per replica the monitor sees now. */
    private synchronized void refresh() {
        if (client.getZookeeperClient().isConnected() && readingHistory.compareAndSet(false, true)) {
            CompletableFuture.runAsync(this::readHistory);
        }
        if (monitor == null) {
            return;
        }
        Map<NodeAddress, Long> current = new HashMap<>(monitor.replicationLag());
        lag = current;
        for (NodeAddress gone : new HashSet<>(lagGauges)) {
            if (!current.containsKey(gone)) {
                metrics.removeGauge("replication_lag_bytes", "replica", gone.toString());
                lagGauges.remove(gone);
            }
        }
        for (NodeAddress replica : current.keySet()) {
            if (lagGauges.add(replica)) {
                metrics.gauge(
                        "replication_lag_bytes",
                        "How many bytes of its master's replication stream a replica lacks, "
                                + "as this process's monitor last probed it",
                        () -> lag.get(replica),
                        "replica",
                        replica.toString());
            }
        }
    }
}

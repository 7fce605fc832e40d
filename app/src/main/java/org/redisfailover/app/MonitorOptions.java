package org.redisfailover.app;

import java.time.Duration;
import java.util.List;
import org.redisfailover.monitor.MonitorSettings;
import org.redisfailover.monitor.NodeAccess;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.ZkLayout;
import picocli.CommandLine.Option;

/**
 * The monitor's tuning, shared by {@code proxy} (co-located monitor) and {@code monitor}. The fields
 * start at the defaults too, for the commands that build one without parsing (demo).
 */
final class MonitorOptions {

    @Option(names = "--probe-interval-ms", description = "Time between probe rounds (default: ${DEFAULT-VALUE}).")
    long probeIntervalMs = 200;

    @Option(
            names = "--probe-timeout-ms",
            description = "Connect and reply timeout of one probe (default: ${DEFAULT-VALUE}).")
    long probeTimeoutMs = 250;

    @Option(
            names = "--down-after-failures",
            description = "Consecutive failed probes before a monitor calls a node down (default: ${DEFAULT-VALUE}).")
    int downAfterFailures = 3;

    @Option(
            names = "--slow-down-after-ms",
            description =
                    "How long a node may leave probes unanswered (stalled, paused, busy or cut off: maybe only slow) before a "
                            + "monitor calls it down; a node whose port refuses connections is dead and down after --down-after-failures "
                            + "probes (default: ${DEFAULT-VALUE}).")
    long slowDownAfterMs = 3000;

    @Option(
            names = "--max-lag-bytes",
            description =
                    "A failover promotes no replica more than this many bytes behind the dead master's last seen offset; "
                            + "-1: no cap, always promote the best replica (default: ${DEFAULT-VALUE}).")
    long maxLagBytes = -1;

    @Option(
            names = "--switchover-catch-up-timeout-ms",
            description =
                    "How long a switchover waits, writes held, for the target to catch up; past it the old master stays "
                            + "(default: ${DEFAULT-VALUE}).")
    long catchUpTimeoutMs = 2000;

    @Option(
            names = "--allow-min-replica-acks-change",
            description =
                    "Start even though live proxies or monitors of the group run with another --min-replica-acks: for a rolling "
                            + "change of it (the leading monitor promotes under the highest meanwhile; status shows the mismatch).")
    boolean allowMinReplicaAcksChange;

    /** The settings, for a monitor whose ZooKeeper session has {@code sessionTimeout}, logging in to the nodes with {@code access}. */
    MonitorSettings settings(
            String id,
            ZkLayout layout,
            List<NodeAddress> nodes,
            Duration sessionTimeout,
            NodeAccess access,
            int minReplicaAcks) {
        return new MonitorSettings(
                id,
                layout,
                nodes,
                Duration.ofMillis(probeIntervalMs),
                Duration.ofMillis(probeTimeoutMs),
                downAfterFailures,
                Duration.ofMillis(slowDownAfterMs),
                sessionTimeout,
                maxLagBytes,
                Duration.ofMillis(catchUpTimeoutMs),
                access,
                minReplicaAcks);
    }
}

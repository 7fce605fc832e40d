package org.redisfailover.proxy.cli;

import java.time.Duration;
import java.util.List;
import org.redisfailover.monitor.MonitorSettings;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.ZkLayout;
import picocli.CommandLine.Option;

/** The monitor's tuning, shared by {@code proxy} (co-located monitor) and {@code monitor}. */
final class MonitorOptions {

    @Option(names = "--probe-interval-ms", defaultValue = "200", description = "Time between probe rounds (default: ${DEFAULT-VALUE}).")
    long probeIntervalMs;

    @Option(names = "--probe-timeout-ms", defaultValue = "250", description = "Connect and reply timeout of one probe (default: ${DEFAULT-VALUE}).")
    long probeTimeoutMs;

    @Option(names = "--down-after-failures", defaultValue = "3",
            description = "Consecutive failed probes before a monitor calls a node down (default: ${DEFAULT-VALUE}).")
    int downAfterFailures;

    @Option(names = "--proxy-ack-timeout-ms", defaultValue = "10000",
            description = "Longest wait for proxies to acknowledge a switch; keep it at least the proxies' ZooKeeper session timeout (default: ${DEFAULT-VALUE}).")
    long proxyAckTimeoutMs;

    MonitorSettings settings(String id, ZkLayout layout, List<NodeAddress> nodes) {
        return new MonitorSettings(id, layout, nodes, Duration.ofMillis(probeIntervalMs), Duration.ofMillis(probeTimeoutMs), downAfterFailures,
                Duration.ofMillis(proxyAckTimeoutMs));
    }
}

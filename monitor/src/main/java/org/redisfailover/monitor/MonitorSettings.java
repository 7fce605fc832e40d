package org.redisfailover.monitor;

import java.time.Duration;
import java.util.List;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.ZkLayout;

/**
 * A monitor's settings.
 *
 * @param id                 this monitor's name in {@code monitors/} and in the leader latch
 * @param layout             the replication group's ZooKeeper root
 * @param nodes              the Redis nodes to watch (the topology's nodes are watched too)
 * @param probeInterval      time between probe rounds
 * @param probeTimeout       connect and reply timeout of one probe
 * @param downAfterFailures  consecutive failed probes before this monitor calls a node down
 * @param proxyAckTimeout    longest wait for proxies to acknowledge the no-master epoch (at least their
 *                           ZooKeeper session timeout: an unacknowledging proxy's registration has
 *                           expired by then, and it fenced itself before that)
 * @param maxLagBytes        a failover promotes no replica further than this behind the dead master's
 *                           last seen offset (negative: no cap; then the group always gets a master,
 *                           at the price of whatever the best replica lacks)
 * @param catchUpTimeout     a switchover waits this long, writes held, for the target to catch up with
 *                           the paused master; past it the switchover is aborted and the master stays
 */
public record MonitorSettings(String id, ZkLayout layout, List<NodeAddress> nodes, Duration probeInterval, Duration probeTimeout,
        int downAfterFailures, Duration proxyAckTimeout, long maxLagBytes, Duration catchUpTimeout) {

    public MonitorSettings {
        nodes = List.copyOf(nodes);
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("redis: the monitor needs at least one Redis node");
        }
        if (downAfterFailures < 1) {
            throw new IllegalArgumentException("down-after-failures: " + downAfterFailures + " (expected: >= 1)");
        }
        if (probeInterval.isNegative() || probeInterval.isZero() || probeTimeout.isNegative() || probeTimeout.isZero()) {
            throw new IllegalArgumentException("probe interval and timeout must be positive");
        }
        if (catchUpTimeout.isNegative() || catchUpTimeout.isZero()) {
            throw new IllegalArgumentException("switchover-catch-up-timeout-ms must be positive");
        }
    }
}

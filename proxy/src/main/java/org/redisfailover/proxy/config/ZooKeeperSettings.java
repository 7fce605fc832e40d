package org.redisfailover.proxy.config;

import java.time.Duration;
import org.redisfailover.protocol.topology.ZkLayout;

/**
 * Where the proxy takes its topology from when it follows ZooKeeper, and the two leases that decide
 * whether it may write to the master (docs/PROXY.md, "Following ZooKeeper").
 *
 * @param connectString    ZooKeeper hosts, {@code host:port,host:port}
 * @param layout           the replication group's root ({@code --zk-path})
 * @param sessionTimeout   the ZooKeeper session timeout the proxy asks for
 * @param fenceTimeout     the proxy writes to the master only while its last answered ZooKeeper confirmation
 *                         was sent less than this long ago; a monitor waits as long after a new epoch for a
 *                         proxy that does not acknowledge it. Below the session timeout, so that a proxy whose
 *                         registration has expired has stopped writing too
 * @param replicationGuard the proxy writes to the master only while a replica acknowledged the master's
 *                         replication (a heartbeat write and {@code WAIT 1}) sent less than this long ago, when
 *                         the topology has replicas; zero turns the guard off
 */
public record ZooKeeperSettings(
        String connectString,
        ZkLayout layout,
        Duration sessionTimeout,
        Duration fenceTimeout,
        Duration replicationGuard) {

    public static final Duration DEFAULT_FENCE_TIMEOUT = Duration.ofMillis(3_000);
    /** Below 1 s, so that what a partition loses (the guard, plus a heartbeat's round trip) stays under a second. */
    public static final Duration DEFAULT_REPLICATION_GUARD = Duration.ofMillis(900);

    public ZooKeeperSettings {
        if (connectString == null || connectString.isBlank()) {
            throw new IllegalArgumentException("zk: the ZooKeeper connect string must not be empty");
        }
        if (fenceTimeout.compareTo(sessionTimeout) >= 0 || fenceTimeout.isNegative() || fenceTimeout.isZero()) {
            throw new IllegalArgumentException("fence-timeout-ms: " + fenceTimeout.toMillis()
                    + " (expected: > 0 and < zk-session-timeout-ms " + sessionTimeout.toMillis()
                    + ", so a cut-off proxy stops writing before its session can expire)");
        }
        if (replicationGuard.isNegative()) {
            throw new IllegalArgumentException(
                    "replication-guard-ms: " + replicationGuard.toMillis() + " (expected: >= 0; 0 turns it off)");
        }
    }

    /** Default leases: fence after 3 s without ZooKeeper, stop writing after 0.9 s without replication. */
    public ZooKeeperSettings(String connectString, ZkLayout layout, Duration sessionTimeout) {
        this(connectString, layout, sessionTimeout, DEFAULT_FENCE_TIMEOUT, DEFAULT_REPLICATION_GUARD);
    }
}

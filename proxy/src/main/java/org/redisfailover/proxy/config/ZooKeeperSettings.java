package org.redisfailover.proxy.config;

import java.time.Duration;
import org.redisfailover.protocol.topology.ZkLayout;

/**
 * Where the proxy takes its topology from when it follows ZooKeeper.
 *
 * @param connectString  ZooKeeper hosts, {@code host:port,host:port}
 * @param layout         the replication group's root ({@code --zk-path})
 * @param sessionTimeout the ZooKeeper session timeout the proxy asks for
 * @param fenceTimeout   without a confirmed ZooKeeper view for this long, the proxy stops writing; must
 *                       be shorter than the session timeout, so it has stopped before its registration
 *                       expires and a monitor may promote another master
 */
public record ZooKeeperSettings(String connectString, ZkLayout layout, Duration sessionTimeout, Duration fenceTimeout) {

    public ZooKeeperSettings {
        if (connectString == null || connectString.isBlank()) {
            throw new IllegalArgumentException("zk: the ZooKeeper connect string must not be empty");
        }
        if (fenceTimeout.compareTo(sessionTimeout) >= 0 || fenceTimeout.isNegative() || fenceTimeout.isZero()) {
            throw new IllegalArgumentException("fence-timeout-ms: " + fenceTimeout.toMillis() + " (expected: > 0 and < zk-session-timeout-ms "
                    + sessionTimeout.toMillis() + ", so a cut-off proxy stops writing before its session can expire)");
        }
    }
}

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
 * @param downAfterFailures  consecutive failed probes before this monitor calls a node down, when the last one found no
 *                           process at its port (refused or reset: dead)
 * @param slowDownAfter      how long probes must go unanswered (a stalled, paused or cut-off node, which may be only slow)
 *                           before this monitor calls it down
 * @param unknownProxyWait   how long after a new epoch to wait for a proxy whose registration does not say how long
 *                           it writes without ZooKeeper (not a proxy of this version): the ZooKeeper session
 *                           timeout, after which its registration has expired if it is gone. Proxies that say
 *                           are waited for as long as they say (see {@link ProxyAcks})
 * @param maxLagBytes        a failover promotes no replica further than this behind the dead master's
 *                           last seen offset (negative: no cap; then the group always gets a master,
 *                           at the price of whatever the best replica lacks)
 * @param catchUpTimeout     a switchover waits this long, writes held, for the target to catch up with
 *                           the paused master; past it the switchover is aborted and the master stays
 * @param access             the password and TLS settings for the Redis nodes
 * @param minReplicaAcks     the proxies' safe mode (min-replica-acks): a failover promotes only under {@link SafeQuorum}'s rule
 */
public record MonitorSettings(
        String id,
        ZkLayout layout,
        List<NodeAddress> nodes,
        Duration probeInterval,
        Duration probeTimeout,
        int downAfterFailures,
        Duration slowDownAfter,
        Duration unknownProxyWait,
        long maxLagBytes,
        Duration catchUpTimeout,
        NodeAccess access,
        int minReplicaAcks) {

    public MonitorSettings {
        nodes = List.copyOf(nodes);
        if (minReplicaAcks < 0) {
            throw new IllegalArgumentException("min-replica-acks: " + minReplicaAcks + " (expected: >= 0)");
        }
        if (access == null) {
            throw new IllegalArgumentException("access: null (NodeAccess.PLAIN for no password and no TLS)");
        }
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("redis: the monitor needs at least one Redis node");
        }
        if (downAfterFailures < 1) {
            throw new IllegalArgumentException("down-after-failures: " + downAfterFailures + " (expected: >= 1)");
        }
        if (slowDownAfter.compareTo(probeInterval.multipliedBy(downAfterFailures)) < 0) {
            throw new IllegalArgumentException(
                    "slow-down-after-ms: " + slowDownAfter.toMillis() + " (expected: at least "
                            + probeInterval.multipliedBy(downAfterFailures).toMillis()
                            + " ms, down-after-failures probe intervals: a slow node "
                            + "is not called down sooner than a dead one)");
        }
        if (probeInterval.isNegative()
                || probeInterval.isZero()
                || probeTimeout.isNegative()
                || probeTimeout.isZero()) {
            throw new IllegalArgumentException("probe interval and timeout must be positive");
        }
        if (catchUpTimeout.isNegative() || catchUpTimeout.isZero()) {
            throw new IllegalArgumentException("switchover-catch-up-timeout-ms must be positive");
        }
    }

    /** How long probes take to call a node down: {@code down-after-failures} probe intervals. */
    Duration downAfter() {
        return probeInterval.multipliedBy(downAfterFailures);
    }

    /**
     * Sentinel's freshness rule for a failover's candidates: a replica whose link to the master went down more
     * than ten times the down-after time before the master was last known alive lacks what the master took since.
     * {@code masterGoneForMillis} is how long ago that was.
     */
    long maxLinkDownSeconds(long masterGoneForMillis) {
        return (downAfter().multipliedBy(10).toMillis() + Math.max(0, masterGoneForMillis) + 999) / 1000;
    }
}

package org.redisfailover.monitor;

import java.util.Collection;
import org.redisfailover.protocol.topology.NodeAddress;

/**
 * How long ago a failed master was last known alive, for Sentinel's freshness rule on the replicas' links
 * ({@link MonitorSettings#maxLinkDownSeconds}). Judged on what was seen, never on when this monitor started or
 * resumed: its own last answered probe of the master (monotonic, so a pause of the monitor or a clock step moves
 * nothing); for a monitor that never saw it answer (started since), the freshest replica's link loss, which
 * began when the master went (or later).
 */
final class LinkFreshness {

    private LinkFreshness() {}

    /** Milliseconds since {@code failed} was last known alive, or -1 when nothing says (no limit then). */
    static long masterGoneForMillis(Long lastSeenNanos, Collection<NodeStatus> replicas, NodeAddress failed) {
        if (lastSeenNanos != null) {
            return (System.nanoTime() - lastSeenNanos) / 1_000_000;
        }
        return replicas.stream()
                .filter(s -> s.reachable()
                        && !s.master()
                        && failed != null
                        && failed.equals(s.masterOf())
                        && s.linkDownSeconds() >= 0)
                .mapToLong(s -> s.linkDownSeconds() * 1000)
                .min()
                .orElse(-1);
    }
}

package org.redisfailover.monitor;

import java.util.HashMap;
import java.util.Map;
import org.redisfailover.protocol.topology.NodeAddress;

/**
 * What one monitor remembers between its rounds as leader, so that a group waiting without a master is not
 * waited on again, nor its reason recorded again, every round; and the highest epoch it has seen, a floor
 * should the topology znode be lost. Used by the monitor's one thread only.
 */
final class LeaderMemory {

    private long highestEpochSeen;
    private int proxiesAwaitedAtVersion = -1;
    private long waitingEpoch = -1;
    /** Replicas this leader re-pointed lately, and when: probes lag a command by up to a round, so it is not repeated at once. */
    private final Map<String, Long> repointedAtNanos = new HashMap<>();

    private static final long REPOINT_QUIET_NANOS = 2_000_000_000L;
    private long waitingRecordedAtNanos;

    /** A group left without a master is recorded when it begins, then at most this often while it lasts. */
    private static final long WAITING_RECORD_INTERVAL_NANOS = 10_000_000_000L;

    /** A forget-replica request this leader is letting the other replicas catch up for: its id and the master's offset to reach. */
    private String forgetRequestId;

    private long forgetMark;
    private long forgetSinceNanos;

    /**
     * The master offset the other replicas must acknowledge before {@code requestId} may forget its replica: the one
     * given the first time this leader saw the request ({@code offsetNow}). Also how long it has waited, in
     * milliseconds, as the second element.
     */
    long[] forgetMark(String requestId, long offsetNow) {
        if (!requestId.equals(forgetRequestId)) {
            forgetRequestId = requestId;
            forgetMark = offsetNow;
            forgetSinceNanos = System.nanoTime();
        }
        return new long[] {forgetMark, (System.nanoTime() - forgetSinceNanos) / 1_000_000};
    }

    void sawEpoch(long epoch) {
        highestEpochSeen = Math.max(highestEpochSeen, epoch);
    }

    long highestEpochSeen() {
        return highestEpochSeen;
    }

    /** The proxies have been waited on for the topology at this znode version. */
    void proxiesAwaited(int version) {
        proxiesAwaitedAtVersion = version;
    }

    boolean proxiesAwaitedAt(int version) {
        return proxiesAwaitedAtVersion == version;
    }

    /** Whether the group's waiting for a promotable replica at {@code epoch} is to be logged and recorded now. */
    boolean recordWaiting(long epoch) {
        long now = System.nanoTime();
        if (epoch == waitingEpoch && now - waitingRecordedAtNanos < WAITING_RECORD_INTERVAL_NANOS) {
            return false;
        }
        waitingEpoch = epoch;
        waitingRecordedAtNanos = now;
        return true;
    }

    /** Whether {@code replica} may be pointed at {@code master} now: not if this leader just did so. Notes it if so. */
    boolean mayRepoint(NodeAddress replica, NodeAddress master) {
        long now = System.nanoTime();
        repointedAtNanos.values().removeIf(at -> now - at > REPOINT_QUIET_NANOS);
        return repointedAtNanos.putIfAbsent(replica + "->" + master, now) == null;
    }
}

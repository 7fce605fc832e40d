package org.redisfailover.proxy.server;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.redisfailover.protocol.topology.NodeAddress;

/**
 * What the proxy knows of replication progress, for the read-your-writes policy: recent samples of the
 * master's replication offset, each with the time its INFO was sent, and the latest offset of each replica.
 *
 * <p>A write acknowledged at time T is in every master offset sampled by an INFO sent after T (Redis
 * had executed it, and fed it to the replication stream, before it answered). A replica whose offset has
 * reached that sample holds the write. Offsets only grow, so a replica's latest sample is a lower bound
 * of where it is now. Written by the one probe that samples, read by every event loop.
 */
final class ReplicationOffsets {

    /** Samples kept: a client whose write is older than all of them is covered by the oldest one. */
    private static final int KEPT = 64;

    private record Sample(long sentAtNanos, long offset) {
    }

    /** Oldest first; replaced, never changed in place. */
    private volatile Sample[] masterSamples = new Sample[0];
    private final Map<NodeAddress, Long> replicaOffsets = new ConcurrentHashMap<>();

    void recordMaster(long sentAtNanos, long offset) {
        Sample[] current = masterSamples;
        int keep = Math.min(current.length, KEPT - 1);
        Sample[] next = Arrays.copyOfRange(current, current.length - keep, current.length + 1);
        next[keep] = new Sample(sentAtNanos, offset);
        masterSamples = next;
    }

    void recordReplica(NodeAddress replica, long offset) {
        replicaOffsets.merge(replica, offset, Math::max);
    }

    /**
     * The master offset that includes a write acknowledged at {@code ackNanos}: that of the first sample
     * sent after it, or -1 while there is none yet.
     */
    long offsetCovering(long ackNanos) {
        for (Sample sample : masterSamples) {
            if (sample.sentAtNanos() - ackNanos > 0) {
                return sample.offset();
            }
        }
        return -1;
    }

    /** Whether {@code replica} is known to have replicated up to {@code offset}. */
    boolean hasReached(NodeAddress replica, long offset) {
        Long reached = replicaOffsets.get(replica);
        return reached != null && reached >= offset;
    }

    /** The master changed: offsets sampled from the old one say nothing of the new replication stream. */
    void clear() {
        masterSamples = new Sample[0];
        replicaOffsets.clear();
    }
}

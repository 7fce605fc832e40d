package org.redisfailover.proxy.topology;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
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
public final class ReplicationOffsets {

    /** Samples kept: a client whose write is older than all of them is covered by the oldest one. */
    private static final int KEPT = 64;

    private record Sample(long sentAtNanos, long offset) {}

    /**
     * What is known of one master's replication stream. Replaced whole, never changed in place: a new master
     * (set on the ZooKeeper thread) and the samples (recorded on an event loop) cannot overwrite each other.
     */
    private record Stream(NodeAddress master, Sample[] masterSamples, Map<NodeAddress, Long> replicaOffsets) {

        Stream withMasterSample(Sample sample) {
            int keep = Math.min(masterSamples.length, KEPT - 1);
            Sample[] next = Arrays.copyOfRange(masterSamples, masterSamples.length - keep, masterSamples.length + 1);
            next[keep] = sample;
            return new Stream(master, next, replicaOffsets);
        }

        Stream withReplicaOffset(NodeAddress replica, long offset) {
            Long known = replicaOffsets.get(replica);
            if (known != null && known >= offset) {
                return this; // an INFO answered late never moves a replica back
            }
            Map<NodeAddress, Long> next = new HashMap<>(replicaOffsets);
            next.put(replica, offset);
            return new Stream(master, masterSamples, Map.copyOf(next));
        }
    }

    private final AtomicReference<Stream> stream = new AtomicReference<>(new Stream(null, new Sample[0], Map.of()));

    /** The topology's master is now {@code master} (may be null): offsets of another master's stream say nothing of its. */
    public void follow(NodeAddress master) {
        stream.updateAndGet(current ->
                Objects.equals(current.master(), master) ? current : new Stream(master, new Sample[0], Map.of()));
    }

    /** An offset of {@code master}, from an INFO sent at {@code sentAtNanos}; ignored unless it is the master followed. */
    public void recordMaster(NodeAddress master, long sentAtNanos, long offset) {
        Sample sample = new Sample(sentAtNanos, offset);
        stream.updateAndGet(current -> master.equals(current.master()) ? current.withMasterSample(sample) : current);
    }

    /** An offset of {@code replica}, from an INFO sent while {@code master} was followed; ignored if another is now. */
    public void recordReplica(NodeAddress master, NodeAddress replica, long offset) {
        stream.updateAndGet(current ->
                Objects.equals(master, current.master()) ? current.withReplicaOffset(replica, offset) : current);
    }

    /**
     * The master offset that includes a write acknowledged at {@code ackNanos}: that of the first sample
     * sent after it, or -1 while there is none yet.
     */
    public long offsetCovering(long ackNanos) {
        for (Sample sample : stream.get().masterSamples()) {
            if (sample.sentAtNanos() - ackNanos > 0) {
                return sample.offset();
            }
        }
        return -1;
    }

    /** Whether {@code replica} is known to have replicated up to {@code offset}. */
    public boolean hasReached(NodeAddress replica, long offset) {
        Long reached = stream.get().replicaOffsets().get(replica);
        return reached != null && reached >= offset;
    }
}

package org.redisfailover.proxy.client;

import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.loop.ReadRouter;
import org.redisfailover.proxy.loop.RoutingSnapshot;
import org.redisfailover.proxy.topology.ReplicationOffsets;

/**
 * The read-your-writes policy for one client: its writes in flight, whether and when its last one was
 * answered, and the master offset that includes it. A client that has written reads from the master while
 * a write is in flight or until that offset is known, then from a replica that has reached it (the master
 * if none has yet). Confined to the client's event loop.
 */
final class ReadYourWrites {

    private int writesInFlight;
    private boolean hasWritten;
    private long lastWriteAckNanos;
    /** The master offset that includes the client's last answered write; -1: not known yet. */
    private long writeCoveredBy = -1;

    void writeSent() {
        writesInFlight++;
    }

    void writeAnswered() {
        writesInFlight--;
        lastWriteAckNanos = System.nanoTime();
        hasWritten = true;
        writeCoveredBy = -1;
    }

    /** Whether the client's reads must see a write of its own (before its first, any node will do). */
    boolean applies() {
        return hasWritten;
    }

    /** Where the client's next read goes: {@code master}, or a replica of {@code snapshot} that holds its writes. */
    NodeAddress target(RoutingSnapshot snapshot, ReadRouter router, ReplicationOffsets offsets) {
        if (writesInFlight > 0) {
            return snapshot.writableMaster();
        }
        if (writeCoveredBy < 0) {
            writeCoveredBy = offsets.offsetCovering(lastWriteAckNanos);
            if (writeCoveredBy < 0) {
                return snapshot.writableMaster();
            }
        }
        NodeAddress replica =
                router.replicaAtOffset(snapshot.topology().replicas(), snapshot.health(), offsets, writeCoveredBy);
        return replica != null ? replica : snapshot.writableMaster();
    }
}

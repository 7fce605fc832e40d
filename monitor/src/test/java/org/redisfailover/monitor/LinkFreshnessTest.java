package org.redisfailover.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.redisfailover.protocol.topology.NodeAddress;

class LinkFreshnessTest {

    private static final NodeAddress M = NodeAddress.parse("10.0.0.1:6379");
    private static final NodeAddress R1 = NodeAddress.parse("10.0.0.2:6379");
    private static final NodeAddress R2 = NodeAddress.parse("10.0.0.3:6379");

    @Test
    void whatThisMonitorSawComesFirstWhateverHappenedToItSince() {
        // Seen 12 s ago (the monitor was frozen since): the master has been gone at most that long, so replicas whose
        // links went down 12 s ago are fresh, not "down longer than the limit".
        long seen = System.nanoTime() - 12_000_000_000L;
        long gone = LinkFreshness.masterGoneForMillis(
                seen, List.of(TestStatus.replica(R1, M).linkDown(12).build()), M);
        assertTrue(gone >= 12_000 && gone < 13_000, "gone for " + gone);
    }

    @Test
    void aMonitorThatNeverSawTheMasterGoesByTheFreshestReplica() {
        var replicas = List.of(
                TestStatus.replica(R1, M).linkDown(40).build(),
                TestStatus.replica(R2, M).linkDown(15).build(),
                TestStatus.replica(NodeAddress.parse("10.0.0.4:6379"), R1)
                        .linkDown(2)
                        .build());
        assertEquals(
                15_000,
                LinkFreshness.masterGoneForMillis(null, replicas, M),
                "R2 lost it 15 s ago; the third follows another");
        assertEquals(
                -1,
                LinkFreshness.masterGoneForMillis(
                        null, List.of(TestStatus.replica(R1, M).linkUp().build()), M),
                "nothing says");
    }
}

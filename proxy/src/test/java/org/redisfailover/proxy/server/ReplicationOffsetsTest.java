package org.redisfailover.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.redisfailover.protocol.topology.NodeAddress;

class ReplicationOffsetsTest {

    private final ReplicationOffsets offsets = new ReplicationOffsets();
    private final NodeAddress replica = new NodeAddress("127.0.0.1", 6380);

    @Test
    void aWriteIsCoveredByTheFirstSampleSentAfterItsAcknowledgement() {
        assertEquals(-1, offsets.offsetCovering(100), "no sample yet");
        offsets.recordMaster(90, 1_000);
        assertEquals(-1, offsets.offsetCovering(100), "a sample sent before the write was acknowledged may miss it");
        offsets.recordMaster(110, 1_200);
        offsets.recordMaster(120, 1_300);
        assertEquals(1_200, offsets.offsetCovering(100));
        assertEquals(1_000, offsets.offsetCovering(50), "the oldest sample after the write: the smallest offset that covers it");
    }

    @Test
    void onlyRecentSamplesAreKeptAndAnOldWriteIsCoveredByTheOldestKept() {
        for (int i = 1; i <= 200; i++) {
            offsets.recordMaster(i * 10L, i * 100L);
        }
        assertEquals(13_700, offsets.offsetCovering(5), "200 samples, the last 64 kept");
        assertEquals(20_000, offsets.offsetCovering(1_995));
        assertEquals(-1, offsets.offsetCovering(2_000));
    }

    @Test
    void nanoTimeComparisonsSurviveWrapAround() {
        offsets.recordMaster(Long.MIN_VALUE + 5, 700);
        assertEquals(700, offsets.offsetCovering(Long.MAX_VALUE - 5), "sent just after the wrap");
    }

    @Test
    void replicasReachAnOffsetAndOffsetsOnlyGrow() {
        assertFalse(offsets.hasReached(replica, 1), "unknown replica");
        offsets.recordReplica(replica, 500);
        offsets.recordReplica(replica, 400); // an INFO answered late must not move it back
        assertTrue(offsets.hasReached(replica, 500));
        assertFalse(offsets.hasReached(replica, 501));
        offsets.clear();
        assertFalse(offsets.hasReached(replica, 1), "a new master starts over");
    }

    @Test
    void infoFieldsAreRead() {
        String info = "# Replication\r\nrole:slave\r\nmaster_link_status:up\r\nslave_read_repl_offset:99\r\nslave_repl_offset:98\r\n"
                + "master_repl_offset:98\r\n";
        assertEquals(98, OffsetProbe.offsetIn(info, "slave_repl_offset:"));
        assertEquals(98, OffsetProbe.offsetIn(info, "master_repl_offset:"));
        assertEquals(-1, OffsetProbe.offsetIn("# Replication\r\nrole:slave\r\n", "slave_repl_offset:"));
    }
}

package org.redisfailover.proxy.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisfailover.protocol.resp.InfoText;
import org.redisfailover.protocol.topology.NodeAddress;

class ReplicationOffsetsTest {

    private final ReplicationOffsets offsets = new ReplicationOffsets();
    private final NodeAddress master = new NodeAddress("127.0.0.1", 6379);
    private final NodeAddress replica = new NodeAddress("127.0.0.1", 6380);

    @BeforeEach
    void followMaster() {
        offsets.follow(master);
    }

    @Test
    void aWriteIsCoveredByTheFirstSampleSentAfterItsAcknowledgement() {
        assertEquals(-1, offsets.offsetCovering(100), "no sample yet");
        offsets.recordMaster(master, 90, 1_000);
        assertEquals(-1, offsets.offsetCovering(100), "a sample sent before the write was acknowledged may miss it");
        offsets.recordMaster(master, 110, 1_200);
        offsets.recordMaster(master, 120, 1_300);
        assertEquals(1_200, offsets.offsetCovering(100));
        assertEquals(
                1_000,
                offsets.offsetCovering(50),
                "the oldest sample after the write: the smallest offset that covers it");
    }

    @Test
    void onlyRecentSamplesAreKeptAndAnOldWriteIsCoveredByTheOldestKept() {
        for (int i = 1; i <= 200; i++) {
            offsets.recordMaster(master, i * 10L, i * 100L);
        }
        assertEquals(13_700, offsets.offsetCovering(5), "200 samples, the last 64 kept");
        assertEquals(20_000, offsets.offsetCovering(1_995));
        assertEquals(-1, offsets.offsetCovering(2_000));
    }

    @Test
    void nanoTimeComparisonsSurviveWrapAround() {
        offsets.recordMaster(master, Long.MIN_VALUE + 5, 700);
        assertEquals(700, offsets.offsetCovering(Long.MAX_VALUE - 5), "sent just after the wrap");
    }

    @Test
    void replicasReachAnOffsetAndOffsetsOnlyGrow() {
        assertFalse(offsets.hasReached(replica, 1), "unknown replica");
        offsets.recordReplica(master, replica, 500);
        offsets.recordReplica(master, replica, 400); // an INFO answered late must not move it back
        assertTrue(offsets.hasReached(replica, 500));
        assertFalse(offsets.hasReached(replica, 501));
        offsets.follow(replica);
        assertFalse(offsets.hasReached(replica, 1), "a new master starts over");
    }

    @Test
    void samplesOfAMasterNoLongerFollowedAreIgnored() {
        NodeAddress next = new NodeAddress("127.0.0.1", 6381);
        offsets.follow(next);
        // INFOs sent before the switch, answered after it: they describe the old master's stream.
        offsets.recordMaster(master, 100, 5_000);
        offsets.recordReplica(master, replica, 5_000);
        assertEquals(-1, offsets.offsetCovering(50));
        assertFalse(offsets.hasReached(replica, 1));
        offsets.recordMaster(next, 100, 10);
        offsets.recordReplica(next, replica, 10);
        assertEquals(10, offsets.offsetCovering(50));
        assertTrue(offsets.hasReached(replica, 10));
        offsets.follow(next);
        assertTrue(offsets.hasReached(replica, 10), "following the same master again keeps what is known");
    }

    @Test
    void aSwitchAndSamplesFromManyThreadsNeverMixStreams() throws Exception {
        NodeAddress next = new NodeAddress("127.0.0.1", 6381);
        Thread sampler = new Thread(() -> {
            for (int i = 1; i <= 20_000; i++) {
                offsets.recordMaster(master, i, i);
                offsets.recordReplica(master, replica, i);
            }
        });
        sampler.start();
        offsets.follow(next); // the ZooKeeper thread, while a loop records the old stream
        sampler.join(10_000);
        assertFalse(sampler.isAlive());
        assertEquals(-1, offsets.offsetCovering(0), "no old-master sample survives the switch");
        assertFalse(offsets.hasReached(replica, 1));
    }

    @Test
    void infoFieldsAreRead() {
        String info =
                "# Replication\r\nrole:slave\r\nmaster_link_status:up\r\nslave_read_repl_offset:99\r\nslave_repl_offset:98\r\n"
                        + "master_repl_offset:98\r\n";
        assertEquals(98, InfoText.number(InfoText.fields(info), "slave_repl_offset"));
        assertEquals(98, InfoText.number(InfoText.fields(info), "master_repl_offset"));
        assertEquals(-1, InfoText.number(InfoText.fields("# Replication\r\nrole:slave\r\n"), "slave_repl_offset"));
        assertEquals(-1, InfoText.number(InfoText.fields("slave_repl_offset:-\r\n"), "slave_repl_offset"));
    }
}

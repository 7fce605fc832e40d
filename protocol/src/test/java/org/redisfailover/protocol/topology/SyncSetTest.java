package org.redisfailover.protocol.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyncSetTest {

    private static final NodeAddress MASTER = new NodeAddress("10.0.0.1", 6379);
    private static final NodeAddress R1 = new NodeAddress("10.0.0.2", 6379);
    private static final NodeAddress R2 = new NodeAddress("10.0.0.3", 6379);

    @Test
    void roundTripsThroughJsonAndNamesItsMaster() {
        SyncSet set = SyncSet.of(MASTER, List.of(R1, R2, R1));
        SyncSet decoded = SyncSet.decode(set.encode());
        assertEquals(set, decoded);
        assertEquals(List.of(R1, R2), decoded.replicas(), "members once each, in joining order");
        assertTrue(decoded.isOf(MASTER));
        assertFalse(decoded.isOf(R1));
        assertFalse(decoded.isOf(null));
    }

    @Test
    void onlyGrowsAndKeepsItsOrder() {
        SyncSet set = SyncSet.of(MASTER, List.of(R2));
        assertEquals(List.of(R2, R1), set.with(List.of(R1, R2)).replicas());
        assertEquals(set, set.with(List.of(R2)));
    }

    @Test
    void aMemberCountsAsTheProcessFirstSeenUntilItsRestartHasCaughtUp() {
        SyncSet set = SyncSet.of(MASTER, List.of(R1, R2)).seen(R1, "run-a", 100, 100L);
        assertEquals("run-a", set.runIdOf(R1), "the first process seen is the member");
        assertSame(set, set.seen(R1, "run-a", 200, 200L), "the same process: nothing changes");
        SyncSet restarted = set.seen(R1, "run-b", 500, null);
        assertEquals(
                "run-a",
                restarted.runIdOf(R1),
                "a restarted member does not count yet: it may hold less than it acknowledged");
        assertEquals(new SyncSet.Rejoining("run-b", 500), restarted.rejoining().get(R1.toString()));
        SyncSet behind = restarted.seen(R1, "run-b", 600, 499L);
        assertEquals("run-a", behind.runIdOf(R1), "online, but not yet at the master's offset when it came back");
        assertEquals(
                500,
                behind.rejoining().get(R1.toString()).offset(),
                "the catch-up mark stays where the restart was seen");
        SyncSet caughtUp = behind.seen(R1, "run-b", 700, 500L);
        assertEquals("run-b", caughtUp.runIdOf(R1));
        assertTrue(caughtUp.rejoining().isEmpty());
        assertEquals(caughtUp, SyncSet.decode(caughtUp.encode()));
        assertSame(
                caughtUp,
                caughtUp.seen(new NodeAddress("10.0.0.9", 6379), "run-z", 1, 1L),
                "not a member: nothing recorded");
    }

    @Test
    void forgettingAMemberForgetsWhatWasKnownOfIt() {
        SyncSet set = SyncSet.of(MASTER, List.of(R1, R2))
                .seen(R1, "run-a", 1, 1L)
                .seen(R2, "run-c", 1, 1L)
                .seen(R2, "run-d", 5, null);
        SyncSet without = set.withMembers(List.of(R1));
        assertEquals(List.of(R1), without.replicas());
        assertEquals(java.util.Map.of(R1.toString(), "run-a"), without.runIds());
        assertTrue(without.rejoining().isEmpty());
    }

    @Test
    void ignoresFieldsItDoesNotKnowAndRefusesWhatIsNotOne() {
        SyncSet read = SyncSet.decode("{\"master\":\"10.0.0.1:6379\",\"members\":[\"10.0.0.2:6379\"],\"later\":1}"
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of(R1), read.replicas());
        assertEquals(
                List.of(),
                SyncSet.decode("{\"master\":\"10.0.0.1:6379\"}".getBytes(StandardCharsets.UTF_8))
                        .replicas());
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> SyncSet.decode("[1]".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().startsWith("not a sync set"), e.getMessage());
        assertSame(IllegalArgumentException.class, e.getClass());
    }
}

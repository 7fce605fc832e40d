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
    void ignoresFieldsItDoesNotKnowAndRefusesWhatIsNotOne() {
        SyncSet read = SyncSet.decode("{\"master\":\"10.0.0.1:6379\",\"members\":[\"10.0.0.2:6379\"],\"later\":1}"
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of(R1), read.replicas());
        assertEquals(List.of(), SyncSet.decode("{\"master\":\"10.0.0.1:6379\"}".getBytes(StandardCharsets.UTF_8)).replicas());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SyncSet.decode("[1]".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().startsWith("not a sync set"), e.getMessage());
        assertSame(IllegalArgumentException.class, e.getClass());
    }
}

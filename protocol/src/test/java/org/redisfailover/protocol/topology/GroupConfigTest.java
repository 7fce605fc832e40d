package org.redisfailover.protocol.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class GroupConfigTest {

    @Test
    void laterSettingsMoveToTheEndSoTheyAreAppliedLast() {
        GroupConfig config = GroupConfig.EMPTY
                .with(List.of("HZ", "5", "hash-max-ziplist-entries", "7"))
                .with(List.of("hz", "6"));
        assertEquals(
                List.of("hash-max-ziplist-entries", "hz"),
                List.copyOf(config.parameters().keySet()));
        assertEquals("6", config.parameters().get("hz"));
    }

    @Test
    void roundTripsThroughJsonKeepingTheOrder() {
        GroupConfig config =
                GroupConfig.EMPTY.with(List.of("notify-keyspace-events", "KEA", "maxmemory-policy", "allkeys-lfu"));
        GroupConfig decoded = GroupConfig.decode(config.encode());
        assertEquals(config, decoded);
        assertEquals(
                List.copyOf(config.parameters().keySet()),
                List.copyOf(decoded.parameters().keySet()));
    }

    @Test
    void emptyZnodeIsNoSettingsAndGarbageIsAnError() {
        assertEquals(GroupConfig.EMPTY, GroupConfig.decode(new byte[0]));
        assertThrows(
                IllegalArgumentException.class, () -> GroupConfig.decode("not json".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IllegalArgumentException.class, () -> GroupConfig.EMPTY.with(List.of("hz")));
    }
}

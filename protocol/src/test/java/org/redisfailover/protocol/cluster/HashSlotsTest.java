package org.redisfailover.protocol.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HashSlotsTest {

    private static int slot(String key) {
        return HashSlots.of(key.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void matchesRedisClusterKeyslot() {
        // Values from CLUSTER KEYSLOT on Redis 7.0.15, and the CRC16 check value of the cluster spec.
        assertEquals(12739, slot("123456789")); // CRC16/XMODEM("123456789") = 0x31C3
        assertEquals(12182, slot("foo"));
        assertEquals(5061, slot("bar"));
        assertEquals(0, slot(""));
    }

    @Test
    void hashTagsFollowTheClusterSpec() {
        assertEquals(slot("user1000"), slot("{user1000}.following"));
        assertEquals(slot("user1000"), slot("{user1000}.followers"));
        // An empty tag hashes the whole key; only the first '{' and the first '}' after it count.
        assertEquals(8363, slot("foo{}{bar}"));
        assertEquals(4015, slot("foo{{bar}}zap"));
        assertEquals(4015, slot("{bar"));
        assertEquals(5061, slot("foo{bar}{zap}"));
        assertEquals(6027, slot("a}b{"));
        assertEquals(3443, slot("{user1000}.following"));
    }
}

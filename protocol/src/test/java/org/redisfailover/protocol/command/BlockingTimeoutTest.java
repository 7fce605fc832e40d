package org.redisfailover.protocol.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BlockingTimeoutTest {

    private static List<byte[]> args(String... words) {
        return Arrays.stream(words)
                .map(word -> word.getBytes(StandardCharsets.US_ASCII))
                .toList();
    }

    private static String rewritten(long remainingMillis, String... words) {
        List<byte[]> args = args(words);
        List<byte[]> copy = BlockingTimeout.of(args).withRemaining(args, remainingMillis);
        return String.join(
                " ",
                copy.stream()
                        .map(bytes -> new String(bytes, StandardCharsets.US_ASCII))
                        .toList());
    }

    @Test
    void findsTheTimeoutOfEachBlockingCommand() {
        assertEquals(new BlockingTimeout(3, false), BlockingTimeout.of(args("BLPOP", "a", "b", "2.5")));
        assertEquals(
                2500, BlockingTimeout.of(args("BLPOP", "a", "b", "2.5")).valueMillis(args("BLPOP", "a", "b", "2.5")));
        assertEquals(new BlockingTimeout(5, false), BlockingTimeout.of(args("blmove", "s", "d", "LEFT", "RIGHT", "0")));
        assertEquals(new BlockingTimeout(1, false), BlockingTimeout.of(args("BZMPOP", "1", "1", "z", "MIN")));
        assertEquals(
                new BlockingTimeout(4, true),
                BlockingTimeout.of(args("XREAD", "COUNT", "2", "BLOCK", "100", "STREAMS", "s", "$")));
        assertEquals(new BlockingTimeout(2, true), BlockingTimeout.of(args("WAIT", "1", "500")));
    }

    @Test
    void malformedOrMissingTimeoutsAreNotRewritten() {
        assertNull(BlockingTimeout.of(args("BLPOP", "a", "soon")));
        assertNull(BlockingTimeout.of(args("BLPOP", "a", "-1")));
        assertNull(BlockingTimeout.of(args("XREAD", "STREAMS", "block", "0")), "BLOCK after STREAMS is a key");
        assertNull(BlockingTimeout.of(args("GET", "k")));
    }

    @Test
    void rewritesWithWhatIsLeftInTheCommandsOwnUnit() {
        assertEquals("BLPOP a 1.234", rewritten(1234, "BLPOP", "a", "5"));
        assertEquals("XREAD BLOCK 750 STREAMS s 0-0", rewritten(750, "XREAD", "BLOCK", "1000", "STREAMS", "s", "0-0"));
        assertEquals(
                "BLPOP a 0.001",
                rewritten(0, "BLPOP", "a", "5"),
                "a spent timeout never becomes 0, which means forever");
    }
}

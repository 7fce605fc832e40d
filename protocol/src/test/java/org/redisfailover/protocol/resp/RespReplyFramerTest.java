package org.redisfailover.protocol.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The reply side of research table C (R1-R5): where each reply ends, whatever the read boundaries. */
class RespReplyFramerTest {

    /** Collects each framed reply as text. */
    private static final class Collector implements RespReplyFramer.ReplySink {
        final List<String> replies = new ArrayList<>();

        @Override
        public void onReply(ByteBuf buffer, int start, int length) {
            replies.add(buffer.toString(start, length, StandardCharsets.ISO_8859_1));
        }
    }

    private static List<String> frame(String input, boolean byteAtATime, RespLimits limits) {
        Collector collector = new Collector();
        EmbeddedChannel channel = new EmbeddedChannel(new RespReplyFramer(limits, collector));
        byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
        try {
            if (byteAtATime) {
                for (byte b : bytes) {
                    channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
                }
            } else {
                channel.writeInbound(Unpooled.wrappedBuffer(bytes));
            }
            assertNull(channel.readInbound(), "replies go to the sink, not down the pipeline");
            return collector.replies;
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    private static void assertFrames(String... replies) {
        String input = String.join("", replies);
        assertEquals(List.of(replies), frame(input, false, RespLimits.DEFAULT));
        assertEquals(List.of(replies), frame(input, true, RespLimits.DEFAULT));
    }

    @Test
    void resp2Replies() {
        assertFrames("+OK\r\n", "-ERR no\r\n", ":42\r\n", "$3\r\nfoo\r\n", "$0\r\n\r\n", "$4\r\na\r\nb\r\n");
        // R1: each null or empty counts as exactly one reply
        assertFrames("*-1\r\n", "$-1\r\n", "*0\r\n", "+PONG\r\n");
        assertFrames("*2\r\n$1\r\na\r\n*2\r\n:1\r\n$-1\r\n", "+OK\r\n");
    }

    @Test
    void resp3Replies() {
        assertFrames("_\r\n", ",3.14\r\n", "#t\r\n", "(12345678901234567890\r\n", "!3\r\nerr\r\n", "=7\r\ntxt:abc\r\n");
        assertFrames("%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n", "~2\r\n:1\r\n:2\r\n", ">2\r\n+message\r\n+x\r\n", "%0\r\n");
        // R4: an attribute is framed with the value it annotates
        assertFrames("|1\r\n+key\r\n+value\r\n:7\r\n", ":8\r\n");
    }

    @Test
    void deepNestingIsFramed() {
        String nested = "*1\r\n".repeat(1000) + ":1\r\n";
        assertFrames(nested, "+OK\r\n");
    }

    @Test
    void aRecursiveLuaTableOfAnyDepthIsOneReply() {
        // What Redis 7 sends for a script returning a table that contains itself: arrays nested until Lua's
        // stack gives out, then the error, all one reply. hiredis' 1024 levels would have cut it off.
        String recursive = "*1\r\n".repeat(50_000) + "-ERR reached lua stack limit\r\n";
        assertFrames(recursive, "+OK\r\n");
        String mixed =
                "%1\r\n+k\r\n".repeat(3_000) + "|1\r\n+a\r\n+b\r\n" + "~2\r\n:1\r\n>1\r\n".repeat(3_000) + "_\r\n";
        assertFrames(mixed, "+OK\r\n");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "$9223372036854775807\r\n",
                "$536870913\r\n",
                "*4294967295\r\n",
                "$-2\r\n",
                "*-2\r\n",
                "$abc\r\n",
                "?x\r\n",
                "+OK\n",
                "$3\r\nfooXX",
                "%-1\r\n"
            })
    void hostileRepliesAreRejected(String input) {
        // R5
        assertThrows(CorruptedFrameException.class, () -> frame(input, false, RespLimits.DEFAULT));
    }

    @Test
    void partialReplyIsHeldUntilComplete() {
        Collector collector = new Collector();
        EmbeddedChannel channel = new EmbeddedChannel(new RespReplyFramer(RespLimits.DEFAULT, collector));
        channel.writeInbound(Unpooled.copiedBuffer("*2\r\n$3\r\nfoo\r\n$3\r\nba", StandardCharsets.US_ASCII));
        assertEquals(List.of(), collector.replies);
        channel.writeInbound(Unpooled.copiedBuffer("r\r\n", StandardCharsets.US_ASCII));
        assertEquals(List.of("*2\r\n$3\r\nfoo\r\n$3\r\nbar\r\n"), collector.replies);
        assertFalse(channel.finish());
    }
}

package org.redisfailover.protocol.resp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PubSubFrameTest {

    private static PubSubFrame parse(String frame) {
        ByteBuf buf = Unpooled.copiedBuffer("xx" + frame, StandardCharsets.ISO_8859_1);
        return PubSubFrame.parse(buf, 2, buf.readableBytes() - 2);
    }

    @Test
    void readsConfirmationsOfEveryFamilyInBothProtocols() {
        PubSubFrame subscribe = parse("*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n");
        assertEquals("subscribe", subscribe.kind());
        assertArrayEquals("news".getBytes(StandardCharsets.US_ASCII), subscribe.channel());
        assertEquals(1, subscribe.count());
        assertTrue(subscribe.subscribes());
        assertEquals("", subscribe.family());

        PubSubFrame punsubscribe = parse(">3\r\n$12\r\npunsubscribe\r\n$2\r\np*\r\n:0\r\n");
        assertFalse(punsubscribe.subscribes());
        assertEquals("p", punsubscribe.family());
        assertEquals(
                "s", parse("*3\r\n$12\r\nsunsubscribe\r\n$1\r\nc\r\n:3\r\n").family());
    }

    @Test
    void unsubscribeWithNothingSubscribedHasNoChannel() {
        PubSubFrame none = parse("*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
        assertNull(none.channel());
        assertEquals(0, none.count());
        assertNull(parse(">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n").channel());
    }

    @Test
    void messagesAndOtherRepliesAreNotConfirmations() {
        assertNull(parse("*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$9\r\nsubscribe\r\n"));
        assertNull(parse("*4\r\n$8\r\npmessage\r\n$2\r\np*\r\n$2\r\npx\r\n$1\r\nv\r\n"));
        assertNull(parse("*2\r\n$4\r\npong\r\n$0\r\n\r\n"));
        assertNull(parse("+OK\r\n"));
        assertNull(parse("*3\r\n:1\r\n:2\r\n:3\r\n"));
        assertNull(parse("*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n$1\r\n1\r\n"), "the count must be an integer");
    }
}

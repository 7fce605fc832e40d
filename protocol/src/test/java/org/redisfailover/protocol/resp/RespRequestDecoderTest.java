package org.redisfailover.protocol.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The request side of research table C: each input is fed whole and one byte at a time, and must give
 * the same requests (as argument lists) or the same error line as Redis 7.
 */
class RespRequestDecoderTest {

    /** What one input decodes to: the requests' arguments, then possibly one error line. */
    private record Decoded(List<List<String>> requests, RequestError error) {}

    /** Collects what the decoder hands out, in order. */
    static final class Collector implements RespRequestDecoder.RequestSink {
        final List<Object> received = new ArrayList<>();

        @Override
        public void onRequest(RedisRequest request) {
            received.add(request);
        }

        @Override
        public void onRequestError(RequestError error) {
            received.add(error);
        }
    }

    private static Decoded decode(String input, boolean byteAtATime, RespLimits limits) {
        Collector collector = new Collector();
        EmbeddedChannel channel = new EmbeddedChannel(new RespRequestDecoder(limits, collector));
        byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
        if (byteAtATime) {
            for (byte b : bytes) {
                channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
            }
        } else {
            channel.writeInbound(Unpooled.wrappedBuffer(bytes));
        }
        List<List<String>> requests = new ArrayList<>();
        RequestError error = null;
        assertNull(channel.readInbound(), "requests go to the sink, not down the pipeline");
        for (Object message : collector.received) {
            if (message instanceof RequestError e) {
                assertNull(error, "at most one error");
                error = e;
                continue;
            }
            assertNull(error, "nothing after an error");
            RedisRequest request = (RedisRequest) message;
            try {
                List<String> args = new ArrayList<>();
                for (int i = 0; i < request.argc(); i++) {
                    args.add(new String(request.arg(i), StandardCharsets.ISO_8859_1));
                }
                requests.add(args);
                assertCanonical(request);
            } finally {
                request.release();
            }
        }
        assertFalse(channel.finish());
        return new Decoded(requests, error);
    }

    /** The bytes a request carries must be exactly the RESP encoding of its arguments. */
    private static void assertCanonical(RedisRequest request) {
        List<byte[]> args = new ArrayList<>();
        for (int i = 0; i < request.argc(); i++) {
            args.add(request.arg(i));
        }
        RedisRequest expected = RespWriter.request(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, args);
        try {
            assertTrue(ByteBufEquals.same(expected.bytes(), request.bytes()), "canonical RESP bytes");
        } finally {
            expected.release();
        }
    }

    private static Decoded decodeBothWays(String input) {
        Decoded whole = decode(input, false, RespLimits.DEFAULT);
        Decoded bytewise = decode(input, true, RespLimits.DEFAULT);
        assertEquals(whole, bytewise, "same result whole and byte at a time");
        return whole;
    }

    private static void assertRequests(String input, List<List<String>> expected) {
        Decoded decoded = decodeBothWays(input);
        assertNull(decoded.error(), () -> "unexpected error " + decoded.error());
        assertEquals(expected, decoded.requests());
    }

    private static void assertError(String input, String expectedLine) {
        Decoded decoded = decodeBothWays(input);
        assertEquals(new RequestError(expectedLine), decoded.error());
    }

    @Test
    void multibulkRequests() {
        assertRequests("*1\r\n$4\r\nPING\r\n", List.of(List.of("PING")));
        // C21: two requests in one segment, in order
        assertRequests(
                "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n",
                List.of(List.of("PING"), List.of("ECHO", "hi")));
        // C22: binary-safe data, CRLF and NUL inside a bulk
        assertRequests("*2\r\n$4\r\nECHO\r\n$4\r\na\r\nb\r\n", List.of(List.of("ECHO", "a\r\nb")));
        assertRequests("*2\r\n$4\r\nECHO\r\n$3\r\n\0\0\0\r\n", List.of(List.of("ECHO", "\0\0\0")));
        // C23, C24: empty arguments
        assertRequests("*2\r\n$3\r\nGET\r\n$0\r\n\r\n", List.of(List.of("GET", "")));
        assertRequests("*1\r\n$0\r\n\r\n", List.of(List.of("")));
    }

    @Test
    void manyArgumentsGrowTheTablesAsTheyArrive() {
        StringBuilder input = new StringBuilder("*1000\r\n");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            String arg = "a" + i;
            input.append('$').append(arg.length()).append("\r\n").append(arg).append("\r\n");
            expected.add(arg);
        }
        assertRequests(input.toString(), List.of(expected));
    }

    @Test
    void inputsRedisAnswersWithNothing() {
        // C1, C2, C3: no request, and the connection stays usable
        assertRequests("\r\n*1\r\n$4\r\nPING\r\n", List.of(List.of("PING")));
        assertRequests("*0\r\n*1\r\n$4\r\nPING\r\n", List.of(List.of("PING")));
        assertRequests("*-10\r\n*-1\r\n*1\r\n$4\r\nPING\r\n", List.of(List.of("PING")));
        assertRequests("   \r\n", List.of());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "*3000000000\r\n",
                "*2147483648\r\n",
                "*+1\r\n",
                "*01\r\n",
                "* 1\r\n",
                "*1 \r\n",
                "*-0\r\n",
                "*\r\n",
                "*abc\r\n",
                "*99999999999999999999\r\n",
                "*1\0\r\n"
            })
    void invalidMultibulkLength(String input) {
        // C4, C5, C6
        assertError(input, "ERR Protocol error: invalid multibulk length");
    }

    @Test
    void largeDeclaredCountAllocatesNothingUpFront() {
        // C5: accepted by Redis; the decoder must wait without sizing anything from the count
        Decoded decoded = decodeBothWays("*2147483647\r\n$4\r\nPING\r\n");
        assertNull(decoded.error());
        assertEquals(List.of(), decoded.requests());
    }

    @Test
    void ownArgumentCapUsesRedisWording() {
        Decoded decoded = decode("*11\r\n", false, RespLimits.DEFAULT.withMaxRequestArgs(10));
        assertEquals(new RequestError("ERR Protocol error: invalid multibulk length"), decoded.error());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "*1\\r\\nfoo\\r\\n|f", // C7
                "*3\\r\\n$3\\r\\nSET\\r\\n$1\\r\\nx\\r\\nfooz\\r\\n|f", // C8: nothing forwarded
                "*1\\r\\n*1\\r\\n$4\\r\\nPING\\r\\n|*", // C9: no nested requests
                "*1\\r\\n:1\\r\\n|:", // C10
            })
    void expectedDollar(String input, String got) {
        Decoded decoded = decodeBothWays(input.replace("\\r\\n", "\r\n"));
        assertEquals(new RequestError("ERR Protocol error: expected '$', got '" + got + "'"), decoded.error());
        assertEquals(List.of(), decoded.requests(), "a malformed request is never forwarded");
    }

    @Test
    void expectedDollarNeverPrintsALineBreak() {
        assertError("*1\r\n\r\n", "ERR Protocol error: expected '$', got ' '");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "$-10",
                "$-1",
                "$2000000000",
                "$536870913",
                "$blabla",
                "$04",
                "$+4",
                "$4 ",
                "$",
                "$9223372036854775807",
                "$99999999999999999999"
            })
    void invalidBulkLength(String header) {
        // C11, C12, C13, C14, C15, C16
        assertError("*3\r\n$3\r\nSET\r\n$1\r\nx\r\n" + header + "\r\n", "ERR Protocol error: invalid bulk length");
    }

    @Test
    void bulkLengthBoundaryIsInclusive() {
        // C14: 512 MiB is accepted (the decoder then waits for the data)
        Decoded decoded = decode("*2\r\n$3\r\nSET\r\n$536870912\r\n", false, RespLimits.DEFAULT);
        assertNull(decoded.error());
    }

    @Test
    void strictCrlfAfterDataAndHeaders() {
        // C17: Redis runs PING here; a forwarding proxy must not guess
        assertError("*1\r\n$4\r\nPINGXX", "ERR Protocol error: expected CRLF");
        // C18
        assertError("*1\rX$4\r\nPING\r\n", "ERR Protocol error: expected CRLF");
        assertError("*1\r\n$4\rXPING\r\n", "ERR Protocol error: expected CRLF");
    }

    @Test
    void lengthLinesAreCappedAt64KiB() {
        // C26, C27
        assertError("*" + "1".repeat(70_000), "ERR Protocol error: too big mbulk count string");
        assertError("*1\r\n$" + "1".repeat(70_000), "ERR Protocol error: too big bulk count string");
        // C25
        assertError("GET " + "x".repeat(70_000), "ERR Protocol error: too big inline request");
    }

    @Test
    void requestOverTheByteLimitClosesWithoutReply() {
        Decoded decoded = decode("*2\r\n$3\r\nSET\r\n$100\r\n", false, RespLimits.DEFAULT.withMaxRequestBytes(64));
        assertEquals(new RequestError(null), decoded.error());
        assertFalse(decoded.error().hasReply());
    }

    @Test
    void partialRequestIsReportedUntilComplete() {
        Collector collector = new Collector();
        EmbeddedChannel channel = new EmbeddedChannel(new RespRequestDecoder(RespLimits.DEFAULT, collector));
        RespRequestDecoder decoder = channel.pipeline().get(RespRequestDecoder.class);
        assertFalse(decoder.hasPartialRequest());
        channel.writeInbound(Unpooled.copiedBuffer("*1\r\n$4\r\nPI", StandardCharsets.US_ASCII)); // C19
        assertTrue(decoder.hasPartialRequest());
        channel.writeInbound(Unpooled.copiedBuffer("NG\r\n", StandardCharsets.US_ASCII));
        assertFalse(decoder.hasPartialRequest());
        assertEquals(1, collector.received.size());
        ReferenceCountUtil.release(collector.received.get(0));
        assertFalse(channel.finish());
    }

    @Test
    void nothingIsDecodedAfterAnError() {
        Decoded decoded = decodeBothWays("*1\r\n$4\r\nPING\r\n*x\r\n*1\r\n$4\r\nPING\r\n");
        assertEquals(List.of(List.of("PING")), decoded.requests());
        assertEquals(new RequestError("ERR Protocol error: invalid multibulk length"), decoded.error());
    }

    @Test
    void inlineRequests() {
        assertRequests("PING\r\n", List.of(List.of("PING")));
        assertRequests("SET k v\n", List.of(List.of("SET", "k", "v")));
        assertRequests("  GET   k  \r\n", List.of(List.of("GET", "k")));
        // C31, C32: escapes exactly like sdssplitargs
        assertRequests("GET \"x\\x4\"\r\n", List.of(List.of("GET", "xx4")));
        assertRequests("GET \"\\x41\"\r\n", List.of(List.of("GET", "A")));
        assertRequests("SET 'it\\'s' \"a\\tb\\n\"\r\n", List.of(List.of("SET", "it's", "a\tb\n")));
        assertRequests("SET \"\" ''\r\n", List.of(List.of("SET", "", "")));
        // C34: RESP3 type bytes first are inline text
        assertRequests("_\r\n", List.of(List.of("_")));
        assertRequests("%1\r\n", List.of(List.of("%1")));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "set \"\"\"test-key\"\"\" test-value\r\n",
                "GET \"foo\"bar\r\n",
                "GET \"foo\r\n",
                "GET 'foo\r\n",
                "GET 'a'b\r\n"
            })
    void unbalancedQuotes(String input) {
        // C29, C30
        assertError(input, "ERR Protocol error: unbalanced quotes in request");
    }

    @Test
    void nulInAnInlineLineIsRefusedAtOnce() {
        // C28
        assertError("\0AAAA\n", "ERR Protocol error: too big inline request");
    }

    /** Byte comparison helper; kept here so tests do not depend on ByteBuf.equals' reader-index semantics. */
    static final class ByteBufEquals {
        static boolean same(ByteBuf a, ByteBuf b) {
            return io.netty.buffer.ByteBufUtil.equals(a, b);
        }
    }
}

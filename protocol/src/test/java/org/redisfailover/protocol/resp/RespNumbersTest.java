package org.redisfailover.protocol.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RespNumbersTest {

    private static long parse(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        return RespNumbers.parse(Unpooled.wrappedBuffer(bytes), 0, bytes.length);
    }

    @ParameterizedTest
    @CsvSource({
        "0,0",
        "1,1",
        "-1,-1",
        "42,42",
        "2147483648,2147483648",
        "9223372036854775807,9223372036854775807",
        "-9223372036854775807,-9223372036854775807"
    })
    void acceptsWhatString2llAccepts(String text, long expected) {
        assertEquals(expected, parse(text));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "-",
                "+1",
                "01",
                "-0",
                "00",
                " 1",
                "1 ",
                "1a",
                "9223372036854775808",
                "99999999999999999999",
                "123456789012345678901",
                "-9223372036854775809"
            })
    void rejectsWhatString2llRejects(String text) {
        assertEquals(RespNumbers.INVALID, parse(text));
    }
}

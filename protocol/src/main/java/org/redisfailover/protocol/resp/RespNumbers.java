package org.redisfailover.protocol.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Number parsing with exactly the grammar of Redis' {@code string2ll} (src/util.c): an optional
 * {@code -}, then either the single digit {@code 0} or a digit 1-9 followed by digits; no {@code +},
 * no leading zeros, no spaces, at most 20 characters, no overflow. Matching it matters: a proxy that
 * reads {@code *01} or {@code $+4} differently from Redis could be made to frame a request differently.
 */
public final class RespNumbers {

    /** Returned for anything that is not a number by string2ll's rules. */
    public static final long INVALID = Long.MIN_VALUE;

    private static final int MAX_NUMBER_CHARS = 20;

    private RespNumbers() {}

    /**
     * Parses {@code length} bytes of {@code buf} from absolute index {@code from}.
     *
     * @return the value, or {@link #INVALID}. Unlike string2ll this also refuses -9223372036854775808,
     *         the one number that would collide with the marker; no length, count or index needs it.
     */
    public static long parse(ByteBuf buf, int from, int length) {
        return new Parser().parse(buf, from, length);
    }

    /** Parses a whole byte array, for arguments such as a SELECT index. */
    public static long parse(byte[] bytes) {
        return parse(Unpooled.wrappedBuffer(bytes), 0, bytes.length);
    }

    /**
     * A reusable parser for hot paths. Lengths in RESP are mostly one or two digits, so those are read
     * directly; longer ones take the general loop. Not thread-safe; each decoder owns one.
     */
    public static final class Parser {

        public long parse(ByteBuf buf, int from, int length) {
            if (length == 1) {
                int digit = buf.getByte(from) - '0';
                return digit >= 0 && digit <= 9 ? digit : INVALID;
            }
            if (length == 2) {
                int tens = buf.getByte(from) - '0';
                int units = buf.getByte(from + 1) - '0';
                if (tens >= 1 && tens <= 9 && units >= 0 && units <= 9) {
                    return tens * 10L + units;
                }
                if (tens == '-' - '0' && units >= 1 && units <= 9) {
                    return -units;
                }
                return INVALID;
            }
            return parseLong(buf, from, length);
        }

        private static long parseLong(ByteBuf buf, int from, int length) {
            if (length == 0 || length > MAX_NUMBER_CHARS) {
                return INVALID;
            }
            int i = from;
            int end = from + length;
            boolean negative = buf.getByte(i) == '-';
            if (negative) {
                i++;
            }
            byte first = buf.getByte(i);
            if (first < '1' || first > '9') {
                return INVALID;
            }
            long value = 0; // accumulated negatively, so that the magnitude of Long.MIN_VALUE fits
            for (; i < end; i++) {
                byte b = buf.getByte(i);
                if (b < '0' || b > '9') {
                    return INVALID;
                }
                int digit = b - '0';
                if (value < (Long.MIN_VALUE + digit) / 10) {
                    return INVALID;
                }
                value = value * 10 - digit;
            }
            if (value == Long.MIN_VALUE) {
                return INVALID;
            }
            return negative ? value : -value;
        }
    }
}

package org.redisfailover.protocol.resp;

import io.netty.buffer.ByteBuf;

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

    private RespNumbers() {
    }

    /**
     * Parses {@code length} bytes of {@code buf} from absolute index {@code from}.
     *
     * @return the value, or {@link #INVALID}. Unlike string2ll this also refuses -9223372036854775808,
     *         the one number that would collide with the marker; no length, count or index needs it.
     */
    public static long parse(ByteBuf buf, int from, int length) {
        if (length == 0 || length > MAX_NUMBER_CHARS) {
            return INVALID;
        }
        int i = from;
        int end = from + length;
        if (length == 1 && buf.getByte(i) == '0') {
            return 0;
        }
        boolean negative = false;
        if (buf.getByte(i) == '-') {
            negative = true;
            i++;
            if (i == end) {
                return INVALID;
            }
        }
        byte first = buf.getByte(i);
        if (first < '1' || first > '9') {
            return INVALID;
        }
        // Accumulate as a negative number so that Long.MIN_VALUE's magnitude fits; reject it anyway below.
        long value = 0;
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
        if (negative) {
            return value == Long.MIN_VALUE ? INVALID : value;
        }
        return value == Long.MIN_VALUE ? INVALID : -value;
    }

    /** Parses a whole byte array, for arguments such as a SELECT index. */
    public static long parse(byte[] bytes) {
        return parse(io.netty.buffer.Unpooled.wrappedBuffer(bytes), 0, bytes.length);
    }
}

package org.redisfailover.protocol.resp;

/**
 * Size limits for RESP input, named in one immutable place. Every limit is checked against a declared
 * length <em>before</em> anything is allocated or aggregated, so a 12-byte {@code *2147483647\r\n}
 * costs nothing.
 *
 * <p>The defaults mirror Redis 7 ({@code proto-max-bulk-len} 512 MiB, inline and length lines 64 KiB,
 * {@code client-query-buffer-limit} 1 GiB) so that a request Redis accepts, the proxy accepts too.
 *
 * @param maxRequestArgs     largest multibulk count a request may declare (Redis allows up to INT_MAX)
 * @param maxBulkLength      largest bulk string in a request or a reply
 * @param maxInlineLength    longest inline request, and longest length line ({@code *n}, {@code $n})
 * @param maxRequestBytes    largest whole request; past it the client is closed, as Redis does at its
 *                           query buffer limit
 * @param maxReplyLineLength longest simple-string, error or number line in a reply from Redis
 *
 * <p>Replies have no nesting limit: Redis sends what its own limits allow (a Lua table nested thousands
 * deep), and framing them costs a counter whatever the depth.
 */
public record RespLimits(
        int maxRequestArgs, int maxBulkLength, int maxInlineLength, long maxRequestBytes, int maxReplyLineLength) {

    /** Redis 7 defaults. */
    public static final RespLimits DEFAULT =
            new RespLimits(Integer.MAX_VALUE, 512 * 1024 * 1024, 64 * 1024, 1024L * 1024 * 1024, 1024 * 1024);

    public RespLimits {
        requirePositive("maxRequestArgs", maxRequestArgs);
        requirePositive("maxBulkLength", maxBulkLength);
        requirePositive("maxInlineLength", maxInlineLength);
        requirePositive("maxRequestBytes", maxRequestBytes);
        if (maxRequestBytes > Integer.MAX_VALUE - 8) {
            // A request is held in one ByteBuf, whose capacity is an int.
            throw new IllegalArgumentException(
                    "maxRequestBytes: " + maxRequestBytes + " (expected: <= " + (Integer.MAX_VALUE - 8) + ")");
        }
        requirePositive("maxReplyLineLength", maxReplyLineLength);
    }

    public RespLimits withMaxRequestArgs(int value) {
        return new RespLimits(value, maxBulkLength, maxInlineLength, maxRequestBytes, maxReplyLineLength);
    }

    public RespLimits withMaxBulkLength(int value) {
        return new RespLimits(maxRequestArgs, value, maxInlineLength, maxRequestBytes, maxReplyLineLength);
    }

    public RespLimits withMaxRequestBytes(long value) {
        return new RespLimits(maxRequestArgs, maxBulkLength, maxInlineLength, value, maxReplyLineLength);
    }

    private static void requirePositive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
        }
    }
}

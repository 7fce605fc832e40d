package org.redisfailover.protocol.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.ErrorRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.handler.codec.redis.SimpleStringRedisMessage;
import java.nio.charset.StandardCharsets;

/** The replies the proxy builds itself, encoded by netty-codec-redis' RedisEncoder (and {@link Resp3Reply.Encoder}). */
public final class Replies {

    /** The error code of a command whose outcome is unknown (sent, then its reply lost); clients and tests can match it. */
    public static final String UNCERTAIN_CODE = "UNCERTAIN";

    public static final RedisMessage OK = new SimpleStringRedisMessage("OK");
    public static final RedisMessage PONG = new SimpleStringRedisMessage("PONG");
    public static final RedisMessage RESET = new SimpleStringRedisMessage("RESET");

    private Replies() {}

    /** An error line such as {@code ERR ...}; CR and LF become spaces, as in Redis' addReplyError. */
    public static RedisMessage error(String line) {
        return new ErrorRedisMessage(line.replace('\r', ' ').replace('\n', ' '));
    }

    public static RedisMessage bulk(byte[] value) {
        return new FullBulkStringRedisMessage(Unpooled.wrappedBuffer(value));
    }

    /** Text as Redis sends it for CLIENT INFO: a bulk string in RESP2, a verbatim string ({@code txt}) in RESP3. */
    public static RedisMessage text(String text, RespVersion protocol) {
        return protocol == RespVersion.RESP3 ? new Resp3Verbatim(text) : bulk(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A null bulk string: {@code $-1} in RESP2, {@code _} in RESP3. */
    public static RedisMessage nullBulk(RespVersion protocol) {
        return protocol == RespVersion.RESP3 ? Resp3Null.INSTANCE : FullBulkStringRedisMessage.NULL_INSTANCE;
    }

    /** A null array: {@code *-1} in RESP2, {@code _} in RESP3. */
    public static RedisMessage nullArray(RespVersion protocol) {
        return protocol == RespVersion.RESP3 ? Resp3Null.INSTANCE : ArrayRedisMessage.NULL_INSTANCE;
    }

    /** Redis' arity error. */
    public static RedisMessage wrongArity(String lowerCaseName) {
        return error("ERR wrong number of arguments for '" + lowerCaseName + "' command");
    }

    /** Whether the reply in {@code length} bytes of {@code buffer} at {@code start} begins with {@code prefix} (ASCII). */
    public static boolean startsWith(ByteBuf buffer, int start, int length, String prefix) {
        if (length < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (buffer.getByte(start + i) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}

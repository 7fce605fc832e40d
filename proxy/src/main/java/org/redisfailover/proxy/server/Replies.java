package org.redisfailover.proxy.server;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.redis.ErrorRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.handler.codec.redis.SimpleStringRedisMessage;

/** The replies the proxy builds itself, encoded by netty-codec-redis' RedisEncoder. */
public final class Replies {

    public static final RedisMessage OK = new SimpleStringRedisMessage("OK");
    public static final RedisMessage PONG = new SimpleStringRedisMessage("PONG");
    public static final RedisMessage RESET = new SimpleStringRedisMessage("RESET");

    private Replies() {
    }

    /** An error line such as {@code ERR ...}; CR and LF become spaces, as in Redis' addReplyError. */
    public static RedisMessage error(String line) {
        return new ErrorRedisMessage(line.replace('\r', ' ').replace('\n', ' '));
    }

    public static RedisMessage bulk(byte[] value) {
        return new FullBulkStringRedisMessage(Unpooled.wrappedBuffer(value));
    }

    public static RedisMessage nullBulk() {
        return FullBulkStringRedisMessage.NULL_INSTANCE;
    }

    /** Redis' arity error. */
    public static RedisMessage wrongArity(String lowerCaseName) {
        return error("ERR wrong number of arguments for '" + lowerCaseName + "' command");
    }
}

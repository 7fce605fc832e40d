package org.redisfailover.protocol.resp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import io.netty.handler.codec.redis.RedisMessage;

/**
 * A RESP3 reply type that netty-codec-redis (RESP2 only) has no message for, written by {@link Encoder}:
 * the null ({@link Resp3Null}) and the verbatim string ({@link Resp3Verbatim}).
 */
public interface Resp3Reply extends RedisMessage {

    void writeTo(ByteBuf out);

    /** Writes every {@link Resp3Reply}; placed after RedisEncoder, so it sees messages first and passes on the rest. */
    @ChannelHandler.Sharable
    final class Encoder extends MessageToByteEncoder<Resp3Reply> {

        public static final Encoder INSTANCE = new Encoder();

        @Override
        protected void encode(ChannelHandlerContext ctx, Resp3Reply message, ByteBuf out) {
            message.writeTo(out);
        }
    }
}

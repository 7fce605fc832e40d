package org.redisfailover.proxy.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import io.netty.handler.codec.redis.RedisMessage;

/**
 * RESP3's null ({@code _}), which netty-codec-redis (RESP2 only) has no message for: what a RESP3 client
 * gets where a RESP2 one gets {@code $-1} or {@code *-1}.
 */
final class Resp3Null implements RedisMessage {

    static final Resp3Null INSTANCE = new Resp3Null();

    private Resp3Null() {
    }

    /** Writes {@link Resp3Null}; placed after RedisEncoder, so it sees messages first and passes on the rest. */
    @ChannelHandler.Sharable
    static final class Encoder extends MessageToByteEncoder<Resp3Null> {

        static final Encoder INSTANCE = new Encoder();

        @Override
        protected void encode(ChannelHandlerContext ctx, Resp3Null message, ByteBuf out) {
            out.writeByte('_').writeByte('\r').writeByte('\n');
        }
    }
}

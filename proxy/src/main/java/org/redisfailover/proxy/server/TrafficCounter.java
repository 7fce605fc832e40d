package org.redisfailover.proxy.server;

import com.codahale.metrics.Meter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/** Counts the bytes a client connection reads and writes; first in the pipeline, so it sees them raw. */
@ChannelHandler.Sharable
final class TrafficCounter extends ChannelDuplexHandler {

    private final Meter read;
    private final Meter written;

    TrafficCounter(Meter read, Meter written) {
        this.read = read;
        this.written = written;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf bytes) {
            read.mark(bytes.readableBytes());
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf bytes) {
            written.mark(bytes.readableBytes());
        }
        ctx.write(msg, promise);
    }
}

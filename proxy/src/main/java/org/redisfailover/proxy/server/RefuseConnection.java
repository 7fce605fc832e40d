package org.redisfailover.proxy.server;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import org.redisfailover.protocol.resp.Replies;

/** Answers a connection the proxy will not serve with one error line, then closes it. */
final class RefuseConnection extends ChannelInboundHandlerAdapter {

    private final String errorLine;

    RefuseConnection(String errorLine) {
        this.errorLine = errorLine;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(Replies.error(errorLine)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }
}

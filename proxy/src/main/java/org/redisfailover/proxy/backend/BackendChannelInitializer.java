package org.redisfailover.proxy.backend;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import org.redisfailover.protocol.resp.RespLimits;
import org.redisfailover.protocol.resp.RespReplyFramer;

/**
 * Pipeline of a backend channel: TLS when configured, then the framer hands each reply straight to its {@link BackendConnection};
 * the handler after it follows the channel's life (connected, writable, closed, failed).
 */
final class BackendChannelInitializer extends ChannelInitializer<SocketChannel> {

    private final BackendConnection connection;
    private final RespLimits limits;
    private final SslContext tls;

    BackendChannelInitializer(BackendConnection connection, RespLimits limits, SslContext tls) {
        this.connection = connection;
        this.limits = limits;
        this.tls = tls;
    }

    @Override
    protected void initChannel(SocketChannel channel) {
        if (tls != null) {
            // The node's host for SNI and the host name check; the handshake request waits in SslHandler until TLS is
            // up.
            channel.pipeline()
                    .addLast(tls.newHandler(
                            channel.alloc(),
                            connection.node().host(),
                            connection.node().port()));
        }
        channel.pipeline().addLast(new RespReplyFramer(limits, connection), new Handler(connection));
    }

    private static final class Handler extends ChannelInboundHandlerAdapter {
        private final BackendConnection connection;

        Handler(BackendConnection connection) {
            this.connection = connection;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            connection.onConnected(ctx.channel());
            ctx.fireChannelActive();
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            connection.onReadComplete();
            ctx.fireChannelReadComplete();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                connection.onWritable();
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            connection.onFailure(ctx.channel(), "connection closed by " + connection.node());
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            connection.onFailure(
                    ctx.channel(), cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
        }
    }
}

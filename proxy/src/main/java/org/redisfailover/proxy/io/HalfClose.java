package org.redisfailover.proxy.io;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import java.util.concurrent.TimeUnit;

/**
 * Ends a client connection without losing what was written to it: the replies are flushed, then the
 * proxy's side is shut (TLS close_notify, then FIN) while it goes on reading, and discarding, until the
 * client closes its side or {@code lingerMillis} pass. Closing outright with unread bytes from the client
 * would send a reset, and a reset can destroy replies the client has received but not read yet.
 */
public final class HalfClose {

    private HalfClose() {}

    /** Call on the channel's event loop, once nothing more is to be written to it. */
    public static void afterWrites(Channel channel, long lingerMillis) {
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> {
            if (!written.isSuccess() || !(channel instanceof DuplexChannel duplex)) {
                channel.close();
                return;
            }
            SslHandler tls = channel.pipeline().get(SslHandler.class);
            ChannelFuture notified = tls == null ? channel.newSucceededFuture() : tls.closeOutbound();
            notified.addListener(sent -> duplex.shutdownOutput().addListener(shut -> {
                if (!shut.isSuccess()) {
                    channel.close();
                    return;
                }
                // Netty closes the channel when the client's FIN arrives (half-closure is not allowed on it).
                channel.config().setAutoRead(true);
                channel.eventLoop().schedule(() -> channel.close(), lingerMillis, TimeUnit.MILLISECONDS);
            }));
        });
    }
}

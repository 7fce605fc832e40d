package org.redisfailover.proxy.client;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.resp.RequestError;
import org.redisfailover.protocol.resp.RespRequestDecoder;
import org.redisfailover.proxy.loop.ProxyShared;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection, as Netty sees it: requests from the decoder go to the {@link RequestSequencer},
 * replies leave through the {@link ReplyOrderer}, and the connection's lifecycle (writability, idle
 * timeouts, close) reaches the parts that care. The parts are wired in {@link Client#session}.
 *
 * <p>Requests travel in lanes: the loop's shared connections, or a connection of the client's own for a
 * transaction, for its subscriptions or for one blocking call (see {@link Lane}). Backpressure: reading
 * stops while the client does not read its replies, while too many replies are outstanding, or while a
 * backend it writes to is slower than its clients; a client whose unsent replies pass the output limit
 * is closed.
 */
public final class ClientSession extends ChannelInboundHandlerAdapter implements RespRequestDecoder.RequestSink {

    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);

    private final RequestSequencer sequencer;
    private final ReplyOrderer replies;
    private final Backpressure backpressure;
    private final ClientDrain drain;
    private final ClientModes modes;
    private final ProxyShared shared;
    private final ClientState state;

    ClientSession(
            RequestSequencer sequencer,
            ReplyOrderer replies,
            Backpressure backpressure,
            ClientDrain drain,
            ClientModes modes,
            ProxyShared shared,
            ClientState state) {
        this.sequencer = sequencer;
        this.replies = replies;
        this.backpressure = backpressure;
        this.drain = drain;
        this.modes = modes;
        this.shared = shared;
        this.state = state;
    }

    @Override
    public void onRequest(RedisRequest request) {
        sequencer.onRequest(request);
    }

    @Override
    public void onRequestError(RequestError error) {
        if (!replies.isOpen()) {
            return;
        }
        if (error.hasReply()) {
            replies.replyThenClose(Replies.error(error.message()));
        } else {
            log.info(
                    "client {} closed: request larger than the {} byte limit",
                    state.remoteAddress(),
                    shared.config().limits().maxRequestBytes());
            replies.closeAfterReplies();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            backpressure.resume(Backpressure.OUTPUT);
            replies.outputDrained();
        } else {
            backpressure.pause(Backpressure.OUTPUT);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof ClientDrain.Step step) {
            drain.begin(step);
            return;
        }
        if (event instanceof IdleStateEvent idle) {
            if (idle.state() == IdleState.READER_IDLE
                    && ctx.pipeline().get(RespRequestDecoder.class).hasPartialRequest()) {
                log.info(
                        "client {} closed: sent part of a request, then nothing for {} ms",
                        ctx.channel().remoteAddress(),
                        shared.config().partialRequestTimeout().toMillis());
                ctx.close();
            } else if (idle.state() == IdleState.ALL_IDLE && replies.isEmpty()) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        backpressure.stop();
        shared.clients().remove(state.id());
        // Replies still owed stay queued on their backend connections; they are released as they arrive.
        replies.discardAll();
        sequencer.discardDeferred();
        // Redis discards a transaction, subscriptions and blocked calls with their connection.
        modes.end();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("client {}: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("client {} closed after an unexpected error", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}

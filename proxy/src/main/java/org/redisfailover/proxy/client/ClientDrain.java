package org.redisfailover.proxy.client;

import io.netty.channel.Channel;
import org.redisfailover.protocol.resp.RespRequestDecoder;

/**
 * One client's part in a graceful stop ({@link org.redisfailover.proxy.server.ProxyServer#drain}): the client is closed at its first
 * rest, when it has every reply it asked for, nothing is held or waiting for it, and no transaction or
 * half-sent request is open, so that it never loses a reply and never sees an error. Until then it is
 * served as usual. Confined to the client's event loop.
 */
public final class ClientDrain {

    /** What {@link org.redisfailover.proxy.server.ProxyServer#drain} sends down every client's pipeline, in this order. */
    public enum Step {
        /** Close at the next rest; keep reading and serving until then. */
        CLOSE_AT_REST,
        /**
         * The drain is half-way: read nothing more, answer what was read, then close. A request left unread
         * was never run; the client sees the connection end before its reply, as when a server closes.
         */
        STOP_READING
    }

    private final Backpressure backpressure;
    private final ReplyOrderer replies;
    private final RequestSequencer sequencer;
    private final ClientModes modes;
    private final Channel channel;
    private Step step;

    ClientDrain(
            Backpressure backpressure,
            ReplyOrderer replies,
            RequestSequencer sequencer,
            ClientModes modes,
            Channel channel) {
        this.backpressure = backpressure;
        this.replies = replies;
        this.sequencer = sequencer;
        this.modes = modes;
        this.channel = channel;
    }

    void begin(Step next) {
        step = next;
        if (next == Step.STOP_READING) {
            backpressure.stop();
        }
        closeIfAtRest();
    }

    /** A reply went out or a request ended: the client may be at rest now. */
    void replied() {
        if (step != null) {
            closeIfAtRest();
        }
    }

    private void closeIfAtRest() {
        if (!replies.isOpen() || !replies.isEmpty() || !sequencer.idle()) {
            return;
        }
        // Past the half-way point nothing more is read, so an open transaction or half-sent request never ends.
        if (step == Step.CLOSE_AT_REST
                && (modes.inTransaction()
                        || channel.pipeline().get(RespRequestDecoder.class).hasPartialRequest())) {
            return;
        }
        replies.closeGracefully();
    }
}

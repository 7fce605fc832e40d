package org.redisfailover.proxy.tls;

import com.codahale.metrics.Meter;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import java.time.Instant;
import javax.net.ssl.SSLException;
import org.redisfailover.protocol.tls.CertifiedKey;
import org.redisfailover.protocol.tls.TlsFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS port's context, swapped whole on a reload: connections already open keep the context they
 * were accepted with (a certificate rotation drops nobody), new ones get the newest.
 */
public final class TlsServerContext {

    private static final Logger log = LoggerFactory.getLogger(TlsServerContext.class);

    /** What a reload swaps in one step. */
    private record Active(SslContext context, Instant certificateNotAfter) {}

    private final SslProvider provider;
    private final HandshakeOutcome outcome;
    private volatile Active active;

    public TlsServerContext(ListenerTls settings, SslProvider provider, Meter handshakeFailures) {
        this.provider = provider;
        this.outcome = new HandshakeOutcome(handshakeFailures);
        reload(settings);
    }

    /** Reads the files again; throws (and keeps the running context) when they do not make a valid one. */
    public void reload(ListenerTls settings) {
        CertifiedKey served = CertifiedKey.read("tls", settings.certFile(), settings.keyFile());
        active = new Active(
                settings.newContext(provider, served),
                served.chain()[0].getNotAfter().toInstant());
    }

    /**
     * Puts TLS in front of a new client connection's pipeline. A client that does not finish its handshake
     * within {@code handshakeTimeoutMillis} (the partial-request timeout: it sent part of something) is closed.
     */
    public void secure(Channel channel, long handshakeTimeoutMillis) {
        SslHandler handler = active.context().newHandler(channel.alloc());
        handler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        channel.pipeline().addFirst(outcome);
        channel.pipeline().addFirst(handler);
    }

    /** When the certificate in force stops being valid (for the expiry gauge and its alert). */
    public Instant certificateNotAfter() {
        return active.certificateNotAfter();
    }

    public String providerName() {
        return TlsFiles.providerName(provider);
    }

    /**
     * Sits right after SslHandler until the handshake is over and counts the failures (untrusted or missing
     * client certificate, plain text on the TLS port); SslHandler closes those connections itself.
     */
    @ChannelHandler.Sharable
    private static final class HandshakeOutcome extends ChannelInboundHandlerAdapter {
        private final Meter failures;

        HandshakeOutcome(Meter failures) {
            this.failures = failures;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof SslHandshakeCompletionEvent completion) {
                if (!completion.isSuccess()) {
                    failures.mark();
                    log.debug(
                            "TLS handshake with {} failed: {}",
                            ctx.channel().remoteAddress(),
                            completion.cause().toString());
                }
                ctx.pipeline().remove(this);
            }
            ctx.fireUserEventTriggered(event);
        }

        /** A failed handshake is the client's problem, not the proxy's: no stack trace at warn for it. */
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof SSLException || cause.getCause() instanceof SSLException) {
                log.debug("TLS with {}: {}", ctx.channel().remoteAddress(), cause.toString());
                ctx.close();
                return;
            }
            ctx.fireExceptionCaught(cause);
        }
    }
}

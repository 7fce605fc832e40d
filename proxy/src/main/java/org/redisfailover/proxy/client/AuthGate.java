package org.redisfailover.proxy.client;

import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.util.concurrent.TimeUnit;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.resp.RespRequestDecoder;
import org.redisfailover.proxy.loop.ProxyShared;

/**
 * The proxy's own password ({@code requirepass}), checked before anything reaches a backend. Until a
 * client authenticates only AUTH, HELLO with AUTH and QUIT run; everything else gets Redis' NOAUTH, so
 * an unauthenticated client cannot subscribe, pin a connection or make Redis do any work, and its
 * requests are bounded as Redis bounds them (see {@link RespRequestDecoder#requireAuthentication}).
 * The password is the default user's: {@code AUTH <password>} or {@code AUTH default <password>}.
 * Another user's AUTH (or HELLO AUTH) goes to Redis, as without a proxy password, and a login Redis accepts
 * lets the client in, as Redis would: an application logged in as an ACL user needs no second password. What a
 * client that is not in can make Redis do is that login alone, one at a time, slowed down per address after
 * failures like a wrong proxy password. Confined to the client's event loop.
 */
final class AuthGate {

    static final String NOAUTH = "NOAUTH Authentication required.";
    static final String HELLO_NOAUTH =
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
                    + "HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol "
                    + "version at the same time";
    static final String WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";

    private final ProxyShared shared;
    private final ReplyOrderer replies;
    private final LaneContext lanes;
    private final Channel channel;
    private final Route auth;
    private final Route hello;
    private final Route quit;
    private boolean authenticated;

    AuthGate(ProxyShared shared, ReplyOrderer replies, LaneContext lanes, Channel channel) {
        this.shared = shared;
        this.replies = replies;
        this.lanes = lanes;
        this.channel = channel;
        // A client accepted while no password was asked for is in, as in Redis: a password set by a reload
        // later applies to new connections, and those already open stay in.
        this.authenticated = shared.requirepass() == null;
        this.auth = shared.classifier().classifyName("auth");
        this.hello = shared.classifier().classifyName("hello");
        this.quit = shared.classifier().classifyName("quit");
    }

    /**
     * Answers {@code request} here when the proxy's password decides it (returns true; the request is
     * released), or returns false to let it run. With no proxy password, always false.
     */
    boolean answers(RedisRequest request, Route route) {
        byte[] password = shared.requirepass();
        if (password == null) {
            return false; // nothing asked (the decoder's unauthenticated bounds follow the same setting)
        }
        if (route == auth) {
            return authenticate(request, password);
        }
        if (route == hello) {
            return helloAuth(request, password);
        }
        if (authenticated || route == quit) {
            return false;
        }
        reject(request, NOAUTH);
        return true;
    }

    /**
     * Whether {@code request}, a HELLO, has an AUTH option for Redis to check (a user of the group's): with no
     * proxy password every one, with one only another user than the default one, as for AUTH. The proxy's own
     * password is checked here, in {@link #answers}.
     */
    boolean redisChecksHelloAuth(RedisRequest request) {
        int auth = helloAuthIndex(request);
        return auth > 0 && (shared.requirepass() == null || !request.argEqualsIgnoreCase(auth + 1, "default"));
    }

    /** The index of HELLO's AUTH option (followed by a user and a password), or -1. */
    private static int helloAuthIndex(RedisRequest request) {
        for (int i = 2; i < request.argc(); i++) {
            if (request.argEqualsIgnoreCase(i, "auth") && i + 2 < request.argc()) {
                return i;
            }
            if (request.argEqualsIgnoreCase(i, "setname")) {
                i++;
            }
        }
        return -1;
    }

    /** Another user's AUTH, accepted by Redis: the client is in. */
    void acceptedByRedis() {
        opened();
    }

    boolean authenticated() {
        return authenticated;
    }

    /**
     * Another user's login, refused by Redis, from a client that is not in: it counts as a wrong password of
     * this address, so a guesser trying users through the proxy is slowed down as one trying the proxy's password.
     */
    void refusedByRedis() {
        shared.metrics().authFailures.mark();
        InetAddress address = remoteAddress();
        if (address != null) {
            shared.authFailures().failed(address);
        }
    }

    /** How long a login from a client that is not in waits before Redis checks it: what its address has earned. */
    long loginDelayMillis() {
        InetAddress address = remoteAddress();
        return authenticated || address == null ? 0 : shared.authFailures().currentDelay(address);
    }

    private boolean authenticate(RedisRequest request, byte[] password) {
        if (request.argc() < 2 || request.argc() > 3) {
            reject(
                    request,
                    request.argc() < 2 ? "ERR wrong number of arguments for 'auth' command" : "ERR syntax error");
            return true;
        }
        boolean defaultUser = request.argc() == 2 || request.argEqualsIgnoreCase(1, "default");
        if (!defaultUser) {
            // An ACL user of the group's, logged in or not: Redis checks it on a connection of the client's own, and a
            // login Redis accepts lets the client in, as it would with Redis itself (acceptedByRedis).
            return false;
        }
        if (!matches(request.arg(request.argc() - 1), password)) {
            wrongPassword(request);
            return true;
        }
        opened();
        request.release();
        replies.replyLocal(Replies.OK);
        return true;
    }

    /**
     * HELLO [protover [AUTH user pass] ...]: the default user's password is checked here, another user's by Redis
     * once the client is in (as for AUTH); without an AUTH option, HELLO needs a client already in.
     */
    private boolean helloAuth(RedisRequest request, byte[] password) {
        int auth = helloAuthIndex(request);
        if (auth > 0) {
            if (!request.argEqualsIgnoreCase(auth + 1, "default")) {
                return false; // an ACL user of the group's: Redis checks it, as for AUTH
            }
            if (!matches(request.arg(auth + 2), password)) {
                wrongPassword(request);
                return true;
            }
            opened();
            return false;
        }
        if (authenticated) {
            return false;
        }
        reject(request, HELLO_NOAUTH);
        return true;
    }

    private void opened() {
        if (!authenticated) {
            authenticated = true;
            channel.pipeline().get(RespRequestDecoder.class).authenticated();
        }
        InetAddress address = remoteAddress();
        if (address != null) {
            shared.authFailures().succeeded(address);
        }
    }

    private void reject(RedisRequest request, String error) {
        request.release();
        replies.replyLocal(Replies.error(error));
    }

    /** WRONGPASS, after the delay this address has earned; later requests of the client wait behind it. */
    private void wrongPassword(RedisRequest request) {
        request.release();
        shared.metrics().authFailures.mark();
        InetAddress address = remoteAddress();
        long delayMillis = address == null ? 0 : shared.authFailures().failed(address);
        if (delayMillis == 0) {
            replies.replyLocal(Replies.error(WRONGPASS));
            return;
        }
        ReplySlot slot = replies.newSlot(true);
        lanes.holdBack();
        channel.eventLoop()
                .schedule(
                        () -> {
                            slot.complete(Replies.error(WRONGPASS));
                            lanes.stopHoldingBack();
                        },
                        delayMillis,
                        TimeUnit.MILLISECONDS);
    }

    private InetAddress remoteAddress() {
        return channel.remoteAddress() instanceof InetSocketAddress socket ? socket.getAddress() : null;
    }

    /** Constant time in the offered password's content, as Redis' time-independent compare. */
    private static boolean matches(byte[] offered, byte[] password) {
        return MessageDigest.isEqual(offered, password);
    }
}

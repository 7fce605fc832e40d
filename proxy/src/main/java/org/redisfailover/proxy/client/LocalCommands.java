package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.redis.IntegerRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.command.RoutingClass;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.resp.RespNumbers;
import org.redisfailover.protocol.resp.RespVersion;
import org.redisfailover.protocol.resp.RespWriter;
import org.redisfailover.proxy.backend.Credentials;
import org.redisfailover.proxy.loop.ProxyShared;

/**
 * Commands about the client's own connection, answered by the proxy with Redis' replies and errors:
 * PING, ECHO, QUIT, SELECT, RESET, HELLO, and CLIENT SETNAME, GETNAME, ID, INFO and REPLY: the client's
 * connection is to the proxy, so these describe that connection, not a backend one shared with others.
 */
final class LocalCommands {

    private final ClientState state;
    private final OwnConnections own;
    private final ClientModes modes;
    private final ReplyOrderer replies;
    private final ProxyShared shared;
    private final LaneContext lanes;

    private final ClientListCommand clientList;

    LocalCommands(
            ClientState state,
            OwnConnections own,
            ClientModes modes,
            ReplyOrderer replies,
            ProxyShared shared,
            LaneContext lanes,
            ClientListCommand clientList) {
        this.clientList = clientList;
        this.state = state;
        this.own = own;
        this.modes = modes;
        this.replies = replies;
        this.shared = shared;
        this.lanes = lanes;
    }

    /** Runs {@code request} (ownership passes). */
    void execute(RedisRequest request) {
        try {
            RedisMessage reply =
                    switch (request.name()) {
                        case "ping" -> ping(request);
                        case "echo" -> request.argc() == 2 ? Replies.bulk(request.arg(1)) : Replies.wrongArity("echo");
                        case "quit" -> null;
                        case "select" -> select(request);
                        case "reset" -> reset(request);
                        case "hello" -> hello(request);
                        case "client" -> clientCommand(request);
                        case "acl" -> whoAmI(request);
                        default -> Replies.error("ERR unknown command '" + request.name() + "'");
                    };
            if (request.name().equals("quit")) {
                replies.replyThenClose(Replies.OK);
            } else if (reply != null) {
                replies.replyLocal(reply);
            }
        } finally {
            request.release();
        }
    }

    private static RedisMessage ping(RedisRequest request) {
        return switch (request.argc()) {
            case 1 -> Replies.PONG;
            case 2 -> Replies.bulk(request.arg(1));
            default -> Replies.wrongArity("ping");
        };
    }

    private RedisMessage select(RedisRequest request) {
        if (request.argc() != 2) {
            return Replies.wrongArity("select");
        }
        long index = request.argAsLong(1);
        if (index == RespNumbers.INVALID || index < Integer.MIN_VALUE || index > Integer.MAX_VALUE) {
            return Replies.error("ERR value is not an integer or out of range");
        }
        if (shared.cluster() != null && index != 0) {
            return Replies.error("ERR SELECT is not allowed in cluster mode"); // Redis Cluster's own answer
        }
        if (index < 0 || index >= shared.config().databases()) {
            return Replies.error("ERR DB index is out of range");
        }
        state.select((int) index);
        return Replies.OK;
    }

    /** ACL WHOAMI: the user the client logged in as (its own connections' user), else Redis' {@code default}. */
    private RedisMessage whoAmI(RedisRequest request) {
        if (request.argc() != 2) {
            return Replies.wrongArity("acl|whoami");
        }
        Credentials credentials = own.handshake().credentials();
        String user = credentials == null || credentials.user() == null ? "default" : credentials.user();
        return Replies.bulk(user.getBytes(StandardCharsets.UTF_8));
    }

    private RedisMessage reset(RedisRequest request) {
        if (request.argc() != 1) {
            return Replies.wrongArity("reset");
        }
        modes.reset();
        state.select(0);
        state.name(null);
        return Replies.RESET;
    }

    private RedisMessage clientCommand(RedisRequest request) {
        if (request.argEqualsIgnoreCase(1, "id")) {
            return request.argc() == 2 ? new IntegerRedisMessage(state.id()) : Replies.wrongArity("client|id");
        }
        if (request.argEqualsIgnoreCase(1, "info")) {
            return request.argc() == 2
                    ? Replies.text(ClientInfo.describe(state, own, modes, replies.size()), own.protocol())
                    : Replies.wrongArity("client|info");
        }
        if (request.argEqualsIgnoreCase(1, "reply")) {
            return reply(request);
        }
        if (request.argEqualsIgnoreCase(1, "capa")) {
            // Valkey accepts any capability name; the one it knows (redirect) the proxy never needs to use.
            return request.argc() >= 3 ? Replies.OK : Replies.wrongArity("client|capa");
        }
        if (request.argEqualsIgnoreCase(1, "list")) {
            clientList.run(request); // answered once the other clients have described themselves
            return null;
        }
        if (request.argEqualsIgnoreCase(1, "setinfo")) {
            return setInfo(request);
        }
        if (request.argEqualsIgnoreCase(1, "getname")) {
            if (request.argc() != 2) {
                return Replies.wrongArity("client|getname");
            }
            String name = state.name();
            return name == null
                    ? Replies.nullBulk(own.protocol())
                    : Replies.bulk(name.getBytes(StandardCharsets.UTF_8));
        }
        if (request.argc() != 3) {
            return Replies.wrongArity("client|setname");
        }
        RedisMessage invalid = validateName(request.arg(2));
        if (invalid != null) {
            return invalid;
        }
        state.name(request.argLength(2) == 0 ? null : request.argAsString(2));
        return Replies.OK;
    }

    /**
     * CLIENT REPLY ON|OFF|SKIP, as Redis: OFF and SKIP are not answered; OFF drops every reply until ON,
     * SKIP drops the next command's. The proxy still sends the commands and reads Redis' replies (which
     * keeps every backend connection in step); it only leaves them unwritten.
     */
    private RedisMessage reply(RedisRequest request) {
        if (request.argc() != 3) {
            return Replies.wrongArity("client|reply");
        }
        if (request.argEqualsIgnoreCase(2, "on")) {
            replies.replyMode(ReplyOrderer.ReplyMode.ON);
            return Replies.OK;
        }
        if (request.argEqualsIgnoreCase(2, "off")) {
            replies.replyMode(ReplyOrderer.ReplyMode.OFF);
            return null;
        }
        if (request.argEqualsIgnoreCase(2, "skip")) {
            replies.replyMode(ReplyOrderer.ReplyMode.SKIP);
            return null;
        }
        return Replies.error("ERR syntax error");
    }

    /**
     * CLIENT SETINFO LIB-NAME|LIB-VER value, as Redis 7.2 answers it: the option in any case, the value under
     * CLIENT SETNAME's rule (an empty one clears it), the error naming the option as the client spelt it.
     */
    private RedisMessage setInfo(RedisRequest request) {
        if (request.argc() != 4) {
            return Replies.wrongArity("client|setinfo");
        }
        boolean name = request.argEqualsIgnoreCase(2, "lib-name");
        if (!name && !request.argEqualsIgnoreCase(2, "lib-ver")) {
            return Replies.error("ERR Unrecognized option '" + request.argAsString(2) + "'");
        }
        if (!HelloRequest.validName(request.arg(3))) {
            return Replies.error(
                    "ERR " + request.argAsString(2) + " cannot contain spaces, newlines or special characters.");
        }
        if (name) {
            state.libName(request.argAsString(3));
        } else {
            state.libVersion(request.argAsString(3));
        }
        return Replies.OK;
    }

    /** Redis' rule (clientSetName): no spaces, newlines or other characters outside '!'..'~'. */
    private static RedisMessage validateName(byte[] name) {
        return HelloRequest.validName(name) ? null : Replies.error(HelloRequest.INVALID_NAME);
    }

    /**
     * HELLO [protover [AUTH user pass] [SETNAME name]]: RESP2 or RESP3 for this client's connection. Later
     * requests go to backend connections that speak the chosen protocol, so Redis' replies reach the
     * client unchanged. The server-information reply comes from the master, asked with a plain HELLO in
     * that protocol.
     */
    private RedisMessage hello(RedisRequest request) {
        // An AUTH option here is the proxy's own password, checked by AuthGate; Redis checks any other (HandshakeLane).
        HelloRequest hello = HelloRequest.parse(request, own.protocol());
        if (hello.error() != null) {
            return Replies.error(hello.error());
        }
        RespVersion protocol = hello.protocol();
        String refusal = modes.protocolSwitchRefusal(protocol);
        if (refusal != null) {
            return Replies.error(refusal);
        }
        if (hello.name() != null) {
            state.name(hello.name());
        }
        own.switchProtocol(protocol); // nothing is in flight on the client's own connections (HandshakeLane)
        List<byte[]> forwarded = new ArrayList<>();
        forwarded.add("HELLO".getBytes(StandardCharsets.US_ASCII));
        if (request.argc() >= 2) {
            forwarded.add(Integer.toString(protocol.number()).getBytes(StandardCharsets.US_ASCII));
        }
        lanes.runShared(
                RespWriter.request(ByteBufAllocator.DEFAULT, forwarded),
                new Route(RoutingClass.MASTER, "HELLO", null, false, true));
        return null;
    }
}

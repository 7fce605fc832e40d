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

/**
 * Commands about the client's own connection, answered by the proxy with Redis' replies and errors:
 * PING, ECHO, QUIT, SELECT, RESET, HELLO, and CLIENT SETNAME, GETNAME, ID, INFO and REPLY: the client's
 * connection is to the proxy, so these describe that connection, not a backend one shared with others.
 */
public final class LocalCommands {

    private LocalCommands() {
    }

    /** Runs {@code request} (ownership passes) for {@code client}. */
    static void execute(Client client, RedisRequest request) {
        try {
            RedisMessage reply = switch (request.name()) {
                case "ping" -> ping(request);
                case "echo" -> request.argc() == 2 ? Replies.bulk(request.arg(1)) : Replies.wrongArity("echo");
                case "quit" -> null;
                case "select" -> select(client, request);
                case "reset" -> reset(client, request);
                case "hello" -> hello(client, request);
                case "client" -> clientCommand(client, request);
                default -> Replies.error("ERR unknown command '" + request.name() + "'");
            };
            if (request.name().equals("quit")) {
                client.replies().replyThenClose(Replies.OK);
            } else if (reply != null) {
                client.replies().replyLocal(reply);
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

    private static RedisMessage select(Client client, RedisRequest request) {
        if (request.argc() != 2) {
            return Replies.wrongArity("select");
        }
        long index = request.argAsLong(1);
        if (index == RespNumbers.INVALID || index < Integer.MIN_VALUE || index > Integer.MAX_VALUE) {
            return Replies.error("ERR value is not an integer or out of range");
        }
        if (index < 0 || index >= client.shared().config().databases()) {
            return Replies.error("ERR DB index is out of range");
        }
        client.state().select((int) index);
        return Replies.OK;
    }

    private static RedisMessage reset(Client client, RedisRequest request) {
        if (request.argc() != 1) {
            return Replies.wrongArity("reset");
        }
        client.resetConnectionState();
        client.state().select(0);
        client.state().name(null);
        return Replies.RESET;
    }

    private static RedisMessage clientCommand(Client client, RedisRequest request) {
        if (request.argEqualsIgnoreCase(1, "id")) {
            return request.argc() == 2 ? new IntegerRedisMessage(client.state().id()) : Replies.wrongArity("client|id");
        }
        if (request.argEqualsIgnoreCase(1, "info")) {
            return request.argc() == 2 ? Replies.text(ClientInfo.describe(client), client.own().protocol()) : Replies.wrongArity("client|info");
        }
        if (request.argEqualsIgnoreCase(1, "reply")) {
            return reply(client, request);
        }
        if (request.argEqualsIgnoreCase(1, "getname")) {
            if (request.argc() != 2) {
                return Replies.wrongArity("client|getname");
            }
            String name = client.state().name();
            return name == null ? Replies.nullBulk(client.own().protocol()) : Replies.bulk(name.getBytes(StandardCharsets.UTF_8));
        }
        if (request.argc() != 3) {
            return Replies.wrongArity("client|setname");
        }
        RedisMessage invalid = validateName(request.arg(2));
        if (invalid != null) {
            return invalid;
        }
        client.state().name(request.argLength(2) == 0 ? null : request.argAsString(2));
        return Replies.OK;
    }

    /**
     * CLIENT REPLY ON|OFF|SKIP, as Redis: OFF and SKIP are not answered; OFF drops every reply until ON,
     * SKIP drops the next command's. The proxy still sends the commands and reads Redis' replies (which
     * keeps every backend connection in step); it only leaves them unwritten.
     */
    private static RedisMessage reply(Client client, RedisRequest request) {
        if (request.argc() != 3) {
            return Replies.wrongArity("client|reply");
        }
        if (request.argEqualsIgnoreCase(2, "on")) {
            client.replies().replyMode(ReplyOrderer.ReplyMode.ON);
            return Replies.OK;
        }
        if (request.argEqualsIgnoreCase(2, "off")) {
            client.replies().replyMode(ReplyOrderer.ReplyMode.OFF);
            return null;
        }
        if (request.argEqualsIgnoreCase(2, "skip")) {
            client.replies().replyMode(ReplyOrderer.ReplyMode.SKIP);
            return null;
        }
        return Replies.error("ERR syntax error");
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
    private static RedisMessage hello(Client client, RedisRequest request) {
        // An AUTH option here is the proxy's own password, checked by AuthGate; Redis checks any other (HandshakeLane).
        HelloRequest hello = HelloRequest.parse(request, client.own().protocol());
        if (hello.error() != null) {
            return Replies.error(hello.error());
        }
        RespVersion protocol = hello.protocol();
        String refusal = protocolSwitchRefusal(client, protocol);
        if (refusal != null) {
            return Replies.error(refusal);
        }
        if (hello.name() != null) {
            client.state().name(hello.name());
        }
        client.own().switchProtocol(protocol); // nothing is in flight on the client's own connections (HandshakeLane)
        List<byte[]> forwarded = new ArrayList<>();
        forwarded.add("HELLO".getBytes(StandardCharsets.US_ASCII));
        if (request.argc() >= 2) {
            forwarded.add(Integer.toString(protocol.number()).getBytes(StandardCharsets.US_ASCII));
        }
        client.sharedLane().forward(RespWriter.request(ByteBufAllocator.DEFAULT, forwarded),
                new Route(RoutingClass.MASTER, "HELLO", null, false, true));
        return null;
    }

    /** Whether HELLO may switch protocols now (it cannot move a transaction, subscriptions or tracking along). */
    static String protocolSwitchRefusal(Client client, RespVersion protocol) {
        if (protocol == client.own().protocol()) {
            return null;
        }
        if (client.transactions().engaged()) {
            return "ERR redis-failover: HELLO cannot switch protocols inside MULTI or WATCH; switch before WATCH or MULTI";
        }
        if (client.subscriptions().subscribed()) {
            return "ERR redis-failover: HELLO cannot switch protocols while subscribed; unsubscribe first";
        }
        if (client.own().tracking()) {
            return "ERR redis-failover: HELLO cannot switch protocols while CLIENT TRACKING is on; turn it off first";
        }
        return null;
    }
}

package org.redisfailover.proxy.server;

import io.netty.handler.codec.redis.RedisMessage;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.resp.RedisRequest;

/**
 * Replies for commands the proxy does not run: refused by policy, or needing a connection of their own,
 * which this version does not pin yet. Where Redis itself has an answer that fits the client's state,
 * the proxy gives that answer (EXEC without MULTI), so a client sees nothing a Redis would not say.
 */
final class Refusals {

    private Refusals() {
    }

    static RedisMessage refuse(Route route, RedisRequest request) {
        String name = route.displayName();
        return switch (route.routingClass()) {
            case DENY -> Replies.error("ERR " + name + " is not allowed through redis-failover: " + route.reason());
            case SESSION -> Replies.error("ERR " + name + " is not supported by redis-failover yet: " + route.reason());
            case PIN_TRANSACTION -> transaction(request.name(), name);
            case PIN_BLOCKING -> Replies.error("ERR " + name + " is not supported by redis-failover yet: "
                    + "blocking commands need a backend connection of their own");
            case PIN_PUBSUB -> Replies.error("ERR " + name + " is not supported by redis-failover yet: "
                    + "pub/sub needs a backend connection pinned to the client");
            default -> throw new IllegalArgumentException("not a refusal: " + route);
        };
    }

    /** A client can never be inside MULTI or WATCH here, so EXEC, DISCARD and UNWATCH answer as Redis would. */
    private static RedisMessage transaction(String lowerCaseName, String displayName) {
        return switch (lowerCaseName) {
            case "exec" -> Replies.error("ERR EXEC without MULTI");
            case "discard" -> Replies.error("ERR DISCARD without MULTI");
            case "unwatch" -> Replies.OK;
            default -> Replies.error("ERR " + displayName + " is not supported by redis-failover yet: "
                    + "transactions need a backend connection pinned to the client");
        };
    }
}

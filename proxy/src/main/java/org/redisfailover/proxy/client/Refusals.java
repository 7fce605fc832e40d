package org.redisfailover.proxy.client;

import io.netty.handler.codec.redis.RedisMessage;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.proxy.errors.ProxyErrors;

/**
 * Replies for commands the proxy does not run: refused by policy or not supported, and the transaction
 * commands that mean nothing outside a transaction, which get Redis' own answer (EXEC without MULTI),
 * so a client sees nothing a Redis would not say.
 */
final class Refusals {

    private Refusals() {}

    static RedisMessage refuse(Route route, RedisRequest request) {
        String name = route.displayName();
        return switch (route.routingClass()) {
            case DENY -> Replies.error(ProxyErrors.notAllowed(name, route.reason()));
            case SESSION -> Replies.error(ProxyErrors.notSupportedYet(name, route.reason()));
            case PIN_TRANSACTION -> outsideTransaction(request.name());
            default -> throw new IllegalArgumentException("not a refusal: " + route);
        };
    }

    /** EXEC, DISCARD and UNWATCH from a client in neither MULTI nor WATCH: Redis' answers. */
    private static RedisMessage outsideTransaction(String lowerCaseName) {
        return switch (lowerCaseName) {
            case "exec" -> Replies.error("ERR EXEC without MULTI");
            case "discard" -> Replies.error("ERR DISCARD without MULTI");
            case "unwatch" -> Replies.OK;
            default -> throw new IllegalArgumentException(lowerCaseName + " opens a transaction; it is not refused");
        };
    }
}

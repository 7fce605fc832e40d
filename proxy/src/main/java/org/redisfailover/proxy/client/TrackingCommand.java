package org.redisfailover.proxy.client;

import java.util.ArrayList;
import java.util.List;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.RespVersion;
import org.redisfailover.proxy.backend.Handshake;
import org.redisfailover.proxy.errors.ProxyErrors;

/**
 * What the proxy makes of {@code CLIENT TRACKING ON|OFF [options]}: which forms it cannot carry, and the
 * handshake a client runs with once Redis accepts one. Redis checks the options itself.
 */
final class TrackingCommand {

    private TrackingCommand() {}

    /** Why the proxy cannot run this CLIENT TRACKING, or null when Redis may judge it. */
    static String refusal(RedisRequest request, RespVersion protocol) {
        if (request.argc() < 3 || request.argEqualsIgnoreCase(2, "off")) {
            return null;
        }
        for (int i = 3; i < request.argc(); i++) {
            if (request.argEqualsIgnoreCase(i, "redirect")) {
                return ProxyErrors.TRACKING_REDIRECT;
            }
        }
        if (protocol == RespVersion.RESP2) {
            return ProxyErrors.TRACKING_NEEDS_RESP3;
        }
        return null;
    }

    /** The handshake after Redis accepts {@code request}, or null when it cannot accept it (bad syntax). */
    static Handshake next(Handshake current, RedisRequest request) {
        if (request.argc() < 3) {
            return null;
        }
        if (request.argEqualsIgnoreCase(2, "off")) {
            return current.withTracking(null);
        }
        if (!request.argEqualsIgnoreCase(2, "on")) {
            return null;
        }
        List<List<byte[]>> commands = new ArrayList<>(current.tracking() == null ? List.of() : current.tracking());
        commands.add(request.args());
        return current.withTracking(commands);
    }
}

package org.redisfailover.proxy.admin;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;

/**
 * Who may use which admin path. {@code /health} and {@code /ready} stay open for orchestrators and load
 * balancers. With a token, every other path needs {@code Authorization: Bearer <token>}. Without one, the
 * paths that reveal the group or change the proxy ({@code /topology}, {@code /events}, {@code /reload})
 * are served on a loopback address only; bound elsewhere they answer 403 until a token is set.
 */
public final class AdminAccess {

    /** Paths that show the group's layout or change the proxy: never open off loopback. */
    static final Set<String> SENSITIVE = Set.of("/topology", "/events", "/reload");

    private final byte[] expectedHeader;

    private AdminAccess(String token) {
        this.expectedHeader = token == null ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    }

    /** No token: everything open on loopback, the sensitive paths refused elsewhere. */
    public static AdminAccess withoutToken() {
        return new AdminAccess(null);
    }

    /** Every path but {@code /health} and {@code /ready} needs {@code token}, which must not be blank. */
    public static AdminAccess withToken(String token) {
        if (token == null || token.isBlank() || token.chars().anyMatch(c -> c <= ' ')) {
            throw new IllegalArgumentException("admin-token-file: the token must be one word, without spaces");
        }
        return new AdminAccess(token);
    }

    /** Whether a bearer token guards the endpoint. */
    public boolean requiresToken() {
        return expectedHeader != null;
    }

    /** The guard for {@code path} on an endpoint bound to {@code host}, or null when the path is open. */
    Authenticator guard(String path, String host) {
        if (path.equals("/health") || path.equals("/ready")) {
            return null;
        }
        if (expectedHeader != null) {
            return new Bearer();
        }
        return SENSITIVE.contains(path) && !loopback(host) ? new Refused() : null;
    }

    private static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Checks the bearer token in constant time; a missing or wrong one gets 401 with the scheme to use. */
    private final class Bearer extends Authenticator {
        @Override
        public Result authenticate(HttpExchange exchange) {
            String header = exchange.getRequestHeaders().getFirst("Authorization");
            if (header != null
                    && MessageDigest.isEqual(header.strip().getBytes(StandardCharsets.UTF_8), expectedHeader)) {
                return new Success(new HttpPrincipal("admin", "redis-failover"));
            }
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"redis-failover\"");
            return new Retry(401);
        }
    }

    /** Off loopback without a token: the sensitive paths are refused, with no way in but setting one. */
    private static final class Refused extends Authenticator {
        @Override
        public Result authenticate(HttpExchange exchange) {
            return new Failure(403);
        }
    }
}

package org.redisfailover.monitor;

import javax.net.ssl.SSLSocketFactory;
import org.redisfailover.protocol.tls.BackendTls;
import redis.clients.jedis.DefaultJedisClientConfig;

/**
 * How the monitor logs in to the Redis nodes: the same user, password and TLS settings the proxy uses
 * for its backend connections, so a group with {@code requirepass}, ACLs or {@code tls-port} can be probed
 * and commanded. The TLS context is built once, not per connection.
 */
public final class NodeAccess {

    /** No password, plain TCP. */
    public static final NodeAccess PLAIN = new NodeAccess(null, null, null);

    private final String user;
    private final String password;
    private final BackendTls tls;
    private final SSLSocketFactory sockets;

    /** {@code user} needs {@code password}; {@code tls} null: plain TCP. */
    public NodeAccess(String user, String password, BackendTls tls) {
        if (user != null && password == null) {
            throw new IllegalArgumentException("backend-user needs backend-password");
        }
        this.user = user;
        this.password = password;
        this.tls = tls;
        this.sockets = tls == null ? null : tls.jdkContext().getSocketFactory();
    }

    /** A Jedis configuration with these credentials and TLS, the connect and reply timeouts, and a client name. */
    public DefaultJedisClientConfig clientConfig(int timeoutMillis, String clientName) {
        DefaultJedisClientConfig.Builder builder = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timeoutMillis)
                .socketTimeoutMillis(timeoutMillis)
                .clientName(clientName);
        if (password != null) {
            builder.user(user).password(password);
        }
        if (tls != null) {
            builder.ssl(true).sslSocketFactory(sockets).sslParameters(tls.jdkParameters());
        }
        return builder.build();
    }

    @Override
    public String toString() {
        return "NodeAccess[user=" + user + ", password=" + (password == null ? "none" : "***") + ", tls="
                + (tls != null) + "]";
    }
}

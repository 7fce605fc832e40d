package org.redisfailover.proxy.server;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.redisfailover.proxy.backend.GroupAccess;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.tls.ListenerTls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redis' protected mode, for the proxy: when nothing asks a client who it is, only clients on this host
 * are served. Something asks when the proxy has its own {@code requirepass}, when the TLS port requires
 * client certificates, or when the group asks every connection for a password and the proxy has none of
 * its own to lend. A proxy with a backend password and no requirepass lends its login to whoever
 * connects, so it is protected as an open group is.
 */
final class ProtectedMode {

    private static final Logger log = LoggerFactory.getLogger(ProtectedMode.class);
    private static final long LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final AtomicLong lastLoggedNanos = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

    /** Redis' DENIED text, with the proxy's own ways out. */
    static final String DENIED =
            "DENIED redis-failover is running in protected mode because protected mode is enabled and no "
                    + "password is set for its clients. In this mode connections are only accepted from the loopback interface. If you "
                    + "want to connect from external computers you may adopt one of the following solutions: 1) Set a password for the "
                    + "proxy with --requirepass-file (clients then send AUTH with it). 2) Require client certificates on the TLS port "
                    + "(--tls-listen with --tls-auth-clients yes). 3) Disable protected mode with 'protected-mode no' in the --config "
                    + "file and a reload (SIGHUP or POST /reload), or restart with '--protected-mode no', however MAKE SURE the proxy is "
                    + "not publicly accessible from internet if you do so. NOTE: You only need to do one of the above things in order "
                    + "for the proxy to start accepting connections from the outside.";

    private ProtectedMode() {}

    /** Whether a new connection on {@code channel} (the TLS port when {@code secure}) must be turned away. */
    static boolean denies(ProxyConfig config, GroupAccess groupAccess, Channel channel, boolean secure) {
        if (!config.protectedMode() || config.requirepass() != null) {
            return false;
        }
        if (secure && config.tls().authClients() == ListenerTls.AuthClients.YES) {
            return false;
        }
        if (channel.remoteAddress() instanceof InetSocketAddress remote
                && remote.getAddress() != null
                && remote.getAddress().isLoopbackAddress()) {
            return false;
        }
        return config.backendPassword() != null || groupAccess == null || !groupAccess.requiresPassword();
    }

    /** A warning at most once a minute: a scanner must not flood the log. */
    static void logDenial(Channel channel, GroupAccess groupAccess) {
        long now = System.nanoTime();
        long last = lastLoggedNanos.get();
        if (now - last >= LOG_EVERY_NANOS && lastLoggedNanos.compareAndSet(last, now)) {
            log.atWarn()
                    .addKeyValue("event", "protected_mode")
                    .addKeyValue("client", channel.remoteAddress())
                    .log(
                            "protected mode refused {} (not on this host, no requirepass, {}); see docs/SECURITY.md "
                                    + "(metric redis_failover_client_connections_denied_total counts every refusal)",
                            channel.remoteAddress(),
                            groupAccess == null
                                    ? "the proxy logs in to Redis with its own password"
                                    : groupAccess.describe());
        }
    }
}

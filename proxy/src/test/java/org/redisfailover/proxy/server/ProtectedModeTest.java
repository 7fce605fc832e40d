package org.redisfailover.proxy.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.redisfailover.protocol.tls.ThrowawayPki;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.GroupAccess;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.tls.ListenerTls;

/** Who protected mode turns away: clients from other hosts, unless something asks them who they are. */
class ProtectedModeTest {

    @TempDir
    Path dir;

    /** A channel whose peer is {@code host}. */
    private static Channel from(String host) {
        return new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress(host, 40_000);
            }
        };
    }

    private static ProxyConfig config(UnaryOperator<ProxyConfig.Builder> tweak) {
        return tweak.apply(ProxyConfig.builder(
                        new NodeAddress("127.0.0.1", 0), new NodeAddress("127.0.0.1", 6379), List.of()))
                .build();
    }

    private static GroupAccess askingForAPassword() {
        GroupAccess access = new GroupAccess();
        access.observe(true);
        return access;
    }

    @Test
    void anOpenGroupIsServedOnlyToThisHost() {
        ProxyConfig open = config(c -> c);
        GroupAccess unknown = new GroupAccess();
        assertTrue(
                ProtectedMode.denies(open, unknown, from("10.1.2.3"), false),
                "another host, nothing asks for a password");
        assertFalse(ProtectedMode.denies(open, unknown, from("127.0.0.1"), false), "this host");
        assertFalse(ProtectedMode.denies(open, unknown, from("::1"), false), "this host over IPv6");
        assertFalse(
                ProtectedMode.denies(config(c -> c.protectedMode(false)), unknown, from("10.1.2.3"), false),
                "protected-mode no");
    }

    @Test
    void somethingThatAsksWhoTheClientIsLetsOtherHostsIn() throws Exception {
        assertFalse(
                ProtectedMode.denies(config(c -> c.requirepass("pw")), new GroupAccess(), from("10.1.2.3"), false),
                "requirepass");
        assertFalse(
                ProtectedMode.denies(config(c -> c), askingForAPassword(), from("10.1.2.3"), false),
                "the group asks every client for a password and the proxy lends none");
        ThrowawayPki pki = ThrowawayPki.generate(dir.resolve("pki"));
        ProxyConfig tls = config(c -> c.tls(new ListenerTls(
                new NodeAddress("127.0.0.1", 0),
                pki.serverCert,
                pki.serverKey,
                pki.caCert,
                ListenerTls.AuthClients.YES,
                ListenerTls.DEFAULT_PROTOCOLS,
                List.of())));
        assertFalse(
                ProtectedMode.denies(tls, new GroupAccess(), from("10.1.2.3"), true),
                "client certificates on the TLS port");
        assertTrue(ProtectedMode.denies(tls, new GroupAccess(), from("10.1.2.3"), false), "but not on the plain port");
        ProxyConfig optional = config(c -> c.tls(new ListenerTls(
                new NodeAddress("127.0.0.1", 0),
                pki.serverCert,
                pki.serverKey,
                pki.caCert,
                ListenerTls.AuthClients.OPTIONAL,
                ListenerTls.DEFAULT_PROTOCOLS,
                List.of())));
        assertTrue(
                ProtectedMode.denies(optional, new GroupAccess(), from("10.1.2.3"), true),
                "optional certificates ask no one");
    }

    @Test
    void aProxyLendingItsBackendPasswordIsAsOpenAsAnOpenGroup() {
        ProxyConfig lending = config(c -> c.backendCredentials(null, "backend-secret"));
        assertTrue(ProtectedMode.denies(lending, null, from("10.1.2.3"), false));
        assertFalse(ProtectedMode.denies(lending, null, from("127.0.0.1"), false));
    }
}

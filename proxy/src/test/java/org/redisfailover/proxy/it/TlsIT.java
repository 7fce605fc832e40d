package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisfailover.protocol.tls.BackendTls;
import org.redisfailover.protocol.tls.ThrowawayPki;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.tls.ListenerTls;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RawClient;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * TLS on both sides with real endpoints: clients (Jedis, Lettuce, redis-cli) on the proxy's TLS port,
 * with and without client certificates, a certificate rotation under open connections, and a group of
 * TLS-only Redis nodes (tls-port, tls-auth-clients yes, tls-replication yes) behind the proxy.
 */
@ExtendWith(RedisGroup.class)
class TlsIT {

    private static Path dir;
    private static ThrowawayPki certificates;

    @BeforeAll
    static void certificates() throws IOException {
        dir = Files.createTempDirectory("redis-failover-tls");
        certificates = ThrowawayPki.generate(dir.resolve("pki"));
    }

    @AfterAll
    static void cleanUp() throws IOException {
        try (var paths = Files.walk(dir)) {
            paths.sorted((a, b) -> b.compareTo(a)).forEach(path -> path.toFile().delete());
        }
    }

    private static ListenerTls listenerTls(ListenerTls.AuthClients authClients, Path cert, Path key) {
        return new ListenerTls(
                new NodeAddress("127.0.0.1", 0),
                cert,
                key,
                certificates.caCert,
                authClients,
                ListenerTls.DEFAULT_PROTOCOLS,
                List.of());
    }

    private static Jedis tlsClient(RunningProxy proxy, SSLSocketFactory factory) {
        return new Jedis(
                new HostAndPort("127.0.0.1", proxy.server().boundTlsAddress().port()),
                DefaultJedisClientConfig.builder()
                        .timeoutMillis(5000)
                        .ssl(true)
                        .sslSocketFactory(factory)
                        .build());
    }

    @Test
    void clientsSpeakTlsOnTheTlsPortAndPlainTextOnThePlainOneAtTheSameTime(RedisGroup group) {
        try (RunningProxy proxy = RunningProxy.start(
                group,
                config -> config.tls(
                        listenerTls(ListenerTls.AuthClients.YES, certificates.serverCert, certificates.serverKey)))) {
            try (Jedis secure = tlsClient(proxy, certificates.socketFactory(true));
                    Jedis plain = proxy.client()) {
                assertEquals("OK", secure.set("tls:key", "over tls"));
                assertEquals("over tls", plain.get("tls:key"));
                assertEquals("OK", plain.set("tls:plain", "plain"));
                assertEquals("plain", secure.get("tls:plain"));
            }
            try (Jedis master = group.master().client()) {
                assertEquals("over tls", master.get("tls:key"), "the write reached the master");
            }
        }
    }

    @Test
    void clientCertificatesAreRequiredAsRedisTlsAuthClientsYesRequiresThem(RedisGroup group) throws IOException {
        try (RunningProxy proxy = RunningProxy.start(
                group,
                config -> config.tls(
                        listenerTls(ListenerTls.AuthClients.YES, certificates.serverCert, certificates.serverKey)))) {
            long failuresBefore = handshakeFailures(proxy);
            assertThrows(
                    JedisConnectionException.class,
                    () -> {
                        try (Jedis anonymous = tlsClient(proxy, certificates.socketFactory(false))) {
                            anonymous.ping();
                        }
                    },
                    "a client without a certificate is turned away");
            SSLSocketFactory stranger = new BackendTls(
                            certificates.caCert, certificates.strangerCert, certificates.strangerKey, true)
                    .jdkContext()
                    .getSocketFactory();
            assertThrows(
                    JedisConnectionException.class,
                    () -> {
                        try (Jedis untrusted = tlsClient(proxy, stranger)) {
                            untrusted.ping();
                        }
                    },
                    "a certificate from an untrusted CA is turned away");
            Poll.until(
                    Duration.ofSeconds(5),
                    "both failed handshakes to be counted",
                    () -> handshakeFailures(proxy) >= failuresBefore + 2);
            try (RawClient plainOnTls =
                    new RawClient(proxy.server().boundTlsAddress().port(), 5000)) {
                plainOnTls.send(RawClient.command("PING"));
                assertTrue(plainOnTls.drainsToClose(), "plain text on the TLS port gets the connection closed");
            }
            try (Jedis trusted = tlsClient(proxy, certificates.socketFactory(true))) {
                assertEquals("PONG", trusted.ping(), "the proxy still serves trusted clients after the failures");
            }
        }
    }

    @Test
    void aClientThatStopsMidHandshakeIsClosedAtThePartialRequestTimeoutAndCostsNoOneElse(RedisGroup group)
            throws Exception {
        try (RunningProxy proxy = RunningProxy.start(
                group,
                config -> config.partialRequestTimeout(Duration.ofSeconds(1))
                        .tls(listenerTls(
                                ListenerTls.AuthClients.YES, certificates.serverCert, certificates.serverKey)))) {
            int port = proxy.server().boundTlsAddress().port();
            long failuresBefore = handshakeFailures(proxy);
            try (RawClient stalled = new RawClient(port, 15_000);
                    Jedis other = tlsClient(proxy, certificates.socketFactory(true))) {
                stalled.send(new byte[] {0x16, 0x03, 0x01, 0x00}); // the start of a TLS record carrying a ClientHello
                assertEquals("PONG", other.ping(), "another TLS client is served meanwhile");
                long started = System.nanoTime();
                assertTrue(stalled.drainsToClose(), "the stalled handshake is closed");
                long closedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                assertTrue(
                        closedAfterMs < 10_000,
                        "within the partial-request timeout, not Netty's default: " + closedAfterMs + " ms");
                assertEquals("PONG", other.ping());
            }
            Poll.until(
                    Duration.ofSeconds(5),
                    "the stalled handshake to be counted",
                    () -> handshakeFailures(proxy) > failuresBefore);
        }
    }

    @Test
    void optionalClientCertificatesLetAnonymousClientsInAndStillRejectUntrustedOnes(RedisGroup group) throws Exception {
        try (RunningProxy proxy = RunningProxy.start(
                group,
                config -> config.tls(listenerTls(
                        ListenerTls.AuthClients.OPTIONAL, certificates.serverCert, certificates.serverKey)))) {
            try (Jedis anonymous = tlsClient(proxy, certificates.socketFactory(false))) {
                assertEquals("PONG", anonymous.ping());
            }
            int port = proxy.server().boundTlsAddress().port();
            assertEquals("PONG", redisCli(port, certificates.clientCert, certificates.clientKey, "PING"));
            // redis-cli (OpenSSL) shows its certificate whatever CAs the server asks for; the JDK would show none.
            long failuresBefore = handshakeFailures(proxy);
            assertNotEquals(
                    "PONG",
                    redisCli(port, certificates.strangerCert, certificates.strangerKey, "PING"),
                    "a certificate shown under optional must still be one the CA signed, as in Redis");
            assertTrue(handshakeFailures(proxy) > failuresBefore);
        }
    }

    @Test
    void aReloadRotatesTheCertificateForNewClientsWithoutDroppingOpenOnes(RedisGroup group) throws Exception {
        Path live = dir.resolve("live");
        Files.createDirectories(live);
        Path cert = live.resolve("proxy.crt");
        Path key = live.resolve("proxy.key");
        Files.copy(certificates.serverCert, cert, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(certificates.serverKey, key, StandardCopyOption.REPLACE_EXISTING);
        ListenerTls tls = listenerTls(ListenerTls.AuthClients.YES, cert, key);
        try (RunningProxy proxy = RunningProxy.start(group, config -> config.tls(tls))) {
            assertEquals("CN=localhost", peerSubject(proxy));
            assertTrue(
                    exposition(proxy).contains("redis_failover_tls_certificate_expiry_seconds{certificate=\"tls\","),
                    exposition(proxy));
            try (Jedis open = tlsClient(proxy, certificates.socketFactory(true))) {
                assertEquals("OK", open.set("tls:rotation", "before"));
                Path[] rotated = certificates.reissueServer("rotated");
                Files.copy(rotated[0], cert, StandardCopyOption.REPLACE_EXISTING);
                Files.copy(rotated[1], key, StandardCopyOption.REPLACE_EXISTING);
                proxy.server()
                        .reload(proxy.server().config()); // what SIGHUP and POST /reload do with unchanged settings
                assertEquals("CN=localhost-rotated", peerSubject(proxy), "a new client gets the new certificate");
                assertEquals(
                        "before", open.get("tls:rotation"), "the client connected before the rotation keeps working");

                Files.writeString(key, "not a key", StandardCharsets.UTF_8);
                assertThrows(
                        IllegalArgumentException.class,
                        () -> proxy.server().reload(proxy.server().config()),
                        "a broken key refuses the reload");
                assertEquals("CN=localhost-rotated", peerSubject(proxy), "and the running certificate stays");
                assertEquals("before", open.get("tls:rotation"));

                // The rotation's classic mistake: the new certificate with the old key (or the other way round).
                Files.copy(certificates.serverCert, cert, StandardCopyOption.REPLACE_EXISTING);
                Files.copy(rotated[1], key, StandardCopyOption.REPLACE_EXISTING);
                IllegalArgumentException mismatch = assertThrows(
                        IllegalArgumentException.class,
                        () -> proxy.server().reload(proxy.server().config()),
                        "a key that is not the certificate's refuses the reload");
                assertTrue(
                        mismatch.getMessage().contains("is not the key of the certificate")
                                && mismatch.getMessage().contains(key.toString())
                                && mismatch.getMessage().contains(cert.toString()),
                        mismatch.getMessage());
                assertEquals("CN=localhost-rotated", peerSubject(proxy), "the running certificate stays");
                try (Jedis fresh = tlsClient(proxy, certificates.socketFactory(true))) {
                    assertEquals("before", fresh.get("tls:rotation"), "and new TLS clients still get in");
                }
            }
        }
    }

    @Test
    void lettuceAndRedisCliGoThroughTheTlsPort(RedisGroup group) throws Exception {
        try (RunningProxy proxy = RunningProxy.start(
                group,
                config -> config.tls(
                        listenerTls(ListenerTls.AuthClients.YES, certificates.serverCert, certificates.serverKey)))) {
            int port = proxy.server().boundTlsAddress().port();
            RedisClient lettuce = RedisClient.create(RedisURI.builder()
                    .withHost("127.0.0.1")
                    .withPort(port)
                    .withSsl(true)
                    .withVerifyPeer(true)
                    .build());
            lettuce.setOptions(ClientOptions.builder()
                    .sslOptions(SslOptions.builder()
                            .jdkSslProvider()
                            .trustManager(certificates.caCert.toFile())
                            .keyManager(certificates.clientCert.toFile(), certificates.clientKey.toFile(), null)
                            .build())
                    .build());
            try (StatefulRedisConnection<String, String> connection = lettuce.connect()) {
                assertEquals("OK", connection.sync().set("tls:lettuce", "1"));
                assertEquals("1", connection.sync().get("tls:lettuce"));
            } finally {
                lettuce.shutdown();
            }
            String output = redisCli(port, certificates.clientCert, certificates.clientKey, "GET", "tls:lettuce");
            assertEquals("1", output, "redis-cli --tls reads the value Lettuce wrote");
        }
    }

    @Test
    void theProxyTalksTlsToATlsOnlyGroupWithItsClientCertificate() throws Exception {
        Path nodes = dir.resolve("tls-group-" + System.nanoTime());
        try (RedisProcess master = RedisProcess.startTls(nodes, null, certificates);
                RedisProcess replica = RedisProcess.startTls(nodes, master, certificates)) {
            replica.awaitReplicationFrom(master);
            BackendTls backend =
                    new BackendTls(certificates.caCert, certificates.clientCert, certificates.clientKey, true);
            try (RunningProxy proxy = RunningProxy.start(
                    master,
                    List.of(replica),
                    config -> config.backendTls(backend)
                            .readPolicy(org.redisfailover.proxy.config.ReadPolicy.PREFER_REPLICA))) {
                try (Jedis client = proxy.client()) {
                    assertEquals("OK", client.set("tls:backend", "v"));
                    Poll.until(
                            Duration.ofSeconds(10),
                            "the write to replicate over TLS and be read from the replica",
                            () -> "v".equals(client.get("tls:backend")) && replica.calls("get") > 0);
                }
                assertTrue(
                        exposition(proxy)
                                .contains("redis_failover_tls_certificate_expiry_seconds{certificate=\"backend-tls\","),
                        "the client certificate's expiry is a metric too");
            }
            BackendTls noClientCertificate = new BackendTls(certificates.caCert, null, null, true);
            try (RunningProxy proxy = RunningProxy.start(
                            master,
                            List.of(),
                            config ->
                                    config.backendTls(noClientCertificate).hold(Duration.ofMillis(500), 100, 1 << 20));
                    Jedis client = proxy.client()) {
                String error = assertThrows(Exception.class, () -> client.get("tls:backend"))
                        .getMessage();
                assertTrue(
                        error.contains("ERR"),
                        "Redis with tls-auth-clients yes refuses a proxy without a certificate: " + error);
            }
        }
    }

    /** redis-cli --tls with this client certificate; what it printed (its errors included), trimmed. */
    private static String redisCli(int port, Path cert, Path key, String... command)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of(
                "redis-cli",
                "--tls",
                "--cacert",
                certificates.caCert.toString(),
                "--cert",
                cert.toString(),
                "--key",
                key.toString(),
                "-h",
                "127.0.0.1",
                "-p",
                Integer.toString(port)));
        args.addAll(List.of(command));
        Process cli = new ProcessBuilder(args).redirectErrorStream(true).start();
        String output = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(cli.waitFor(10, TimeUnit.SECONDS), "redis-cli finished");
        return output;
    }

    private static String exposition(RunningProxy proxy) throws IOException {
        java.io.StringWriter out = new java.io.StringWriter();
        new org.redisfailover.proxy.metrics.PrometheusText(proxy.server().metrics()).write(out);
        return out.toString();
    }

    private static long handshakeFailures(RunningProxy proxy) {
        return proxy.server().metrics().meter("tls_handshake_failures", null).getCount();
    }

    /** The subject of the certificate a new TLS connection to the proxy is shown. */
    private static String peerSubject(RunningProxy proxy) throws IOException {
        try (SSLSocket socket = (SSLSocket) certificates
                .socketFactory(true)
                .createSocket("127.0.0.1", proxy.server().boundTlsAddress().port())) {
            socket.startHandshake();
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0])
                    .getSubjectX500Principal()
                    .getName();
        }
    }
}

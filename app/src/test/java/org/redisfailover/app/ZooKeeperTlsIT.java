package org.redisfailover.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.redisfailover.protocol.tls.ThrowawayPki;
import org.redisfailover.protocol.topology.ZkLayout;
import org.redisfailover.testing.FreePort;

/**
 * --zk-tls against a real ZooKeeper serving its secureClientPort with client certificates required
 * (ssl.clientAuth need): the proxy's and monitor's client gets through with its certificate, a plain
 * client and a TLS client without a certificate do not.
 */
class ZooKeeperTlsIT {

    /** ZooKeeper's server turns the ssl.* keys of its configuration into JVM-wide properties: put back after. */
    private static final List<String> SERVER_PROPERTIES = List.of(
            "zookeeper.serverCnxnFactory",
            "zookeeper.ssl.keyStore.location",
            "zookeeper.ssl.keyStore.type",
            "zookeeper.ssl.trustStore.location",
            "zookeeper.ssl.trustStore.type",
            "zookeeper.ssl.clientAuth");

    private static ThrowawayPki certificates;
    private static TestingServer zooKeeper;
    private static int securePort;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        certificates = ThrowawayPki.generate(dir.resolve("pki"));
        Path serverPem = dir.resolve("zk-server.pem");
        Files.writeString(
                serverPem, Files.readString(certificates.serverKey) + "\n" + Files.readString(certificates.serverCert));
        securePort = FreePort.next();
        Map<String, Object> tls = Map.of(
                "secureClientPort",
                Integer.toString(securePort),
                "serverCnxnFactory",
                "org.apache.zookeeper.server.NettyServerCnxnFactory",
                "ssl.keyStore.location",
                serverPem.toString(),
                "ssl.keyStore.type",
                "PEM",
                "ssl.trustStore.location",
                certificates.caCert.toString(),
                "ssl.trustStore.type",
                "PEM",
                "ssl.clientAuth",
                "need");
        zooKeeper = new TestingServer(
                new InstanceSpec(dir.resolve("zk").toFile(), -1, -1, -1, true, -1, -1, -1, tls), true);
    }

    @AfterAll
    static void stop() throws Exception {
        zooKeeper.close();
        SERVER_PROPERTIES.forEach(System::clearProperty);
    }

    private static ZkAuthOptions tlsOptions(boolean withClientCertificate) {
        ZkAuthOptions options = new ZkAuthOptions();
        options.zkTls = "yes";
        options.zkTlsVerifyHostname = "yes";
        options.zkTlsCaCertFile = certificates.caCert.toString();
        if (withClientCertificate) {
            options.zkTlsCertFile = certificates.clientCert.toString();
            options.zkTlsKeyFile = certificates.clientKey.toString();
        }
        return options;
    }

    @Test
    void theClientGetsThroughTheSecurePortWithItsCertificate() throws Exception {
        ZkLayout layout = new ZkLayout("/tls");
        try (CuratorFramework client = ZooKeeperClients.connect(
                "127.0.0.1:" + securePort,
                Duration.ofSeconds(10),
                tlsOptions(true).access(),
                layout)) {
            assertTrue(client.getZookeeperClient().isConnected(), "connected over TLS");
            client.create()
                    .creatingParentsIfNeeded()
                    .forPath(layout.topology(), "over tls".getBytes(StandardCharsets.UTF_8));
            assertEquals("over tls", new String(client.getData().forPath(layout.topology()), StandardCharsets.UTF_8));
        }
    }

    @Test
    void neitherPlainTextNorATlsClientWithoutACertificateGetsIn() throws Exception {
        try (CuratorFramework plain =
                CuratorFrameworkFactory.newClient("127.0.0.1:" + securePort, 10_000, 2_000, new RetryOneTime(100))) {
            plain.start();
            assertFalse(plain.blockUntilConnected(3, TimeUnit.SECONDS), "plain text on the secure port");
        }
        try (CuratorFramework anonymous = ZooKeeperClients.connect(
                "127.0.0.1:" + securePort,
                Duration.ofSeconds(3),
                tlsOptions(false).access(),
                new ZkLayout("/tls"))) {
            assertFalse(
                    anonymous.getZookeeperClient().isConnected(), "TLS without the client certificate ZooKeeper needs");
        }
    }
}

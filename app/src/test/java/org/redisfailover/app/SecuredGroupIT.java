package org.redisfailover.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisfailover.protocol.tls.ThrowawayPki;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.server.ProxyServer;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RedisProcess;
import picocli.CommandLine;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * A group secured as production runs it: TLS-only nodes (tls-port, tls-auth-clients yes, tls-replication
 * yes) with requirepass, a proxy configured from the command line with its TLS port and backend TLS,
 * and the co-located monitor logging in the same way, with ZooKeeper ACLs by role. Before the monitor had
 * credentials it saw every node of such a group as unreachable: no topology, no failover.
 */
class SecuredGroupIT {

    private static final String PASSWORD = "s3cret-of-the-group";

    private Path dir;
    private ThrowawayPki certificates;
    private TestingServer zooKeeper;
    private RedisProcess master;
    private RedisProcess replica1;
    private RedisProcess replica2;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("redis-failover-secured");
        certificates = ThrowawayPki.generate(dir.resolve("pki"));
        zooKeeper = new TestingServer(true);
        master = RedisProcess.startSecured(dir, null, PASSWORD, certificates);
        replica1 = RedisProcess.startSecured(dir, master, PASSWORD, certificates);
        replica2 = RedisProcess.startSecured(dir, master, PASSWORD, certificates);
        replica1.awaitReplicationFrom(master);
        replica2.awaitReplicationFrom(master);
    }

    @AfterEach
    void stop() throws IOException {
        for (RedisProcess node : List.of(master, replica1, replica2)) {
            node.close();
        }
        zooKeeper.close();
        try (var paths = Files.walk(dir)) {
            paths.sorted((a, b) -> b.compareTo(a)).forEach(path -> path.toFile().delete());
        }
    }

    @Test
    void aTlsAndPasswordGroupFailsOverBehindATlsProxy() throws Exception {
        Path passwordFile = dir.resolve("backend.password");
        Files.writeString(passwordFile, PASSWORD + "\n");
        Path zkAuthFile = dir.resolve("zk-auth");
        // A proxy with a co-located monitor logs in as both; the reader is only named, by its digest.
        Files.writeString(
                zkAuthFile,
                "# roles\nmonitor monitor:m-secret\nproxy proxy:p-secret\nreader digest:"
                        + DigestAuthenticationProvider.generateDigest("reader:r-secret") + "\n");
        String nodes = master.address() + "," + replica1.address() + "," + replica2.address();
        ProxyCommand command = new ProxyCommand();
        new CommandLine(command)
                .parseArgs(
                        "--listen",
                        "127.0.0.1:0",
                        "--zk",
                        zooKeeper.getConnectString(),
                        "--zk-path",
                        "/secured",
                        "--redis",
                        nodes,
                        "--tls-listen",
                        "127.0.0.1:0",
                        "--tls-cert-file",
                        certificates.serverCert.toString(),
                        "--tls-key-file",
                        certificates.serverKey.toString(),
                        "--tls-ca-cert-file",
                        certificates.caCert.toString(),
                        "--backend-password-file",
                        passwordFile.toString(),
                        "--backend-tls",
                        "yes",
                        "--backend-tls-ca-cert-file",
                        certificates.caCert.toString(),
                        "--backend-tls-cert-file",
                        certificates.clientCert.toString(),
                        "--backend-tls-key-file",
                        certificates.clientKey.toString(),
                        "--zk-auth-file",
                        zkAuthFile.toString());
        ProxyConfig config = command.buildConfig();
        try (ProxyServer proxy = new ProxyServer(config).start()) {
            Runnable stopZooKeeperSide = ZooKeeperFollowing.start(
                            config,
                            proxy,
                            command.redisNodes.stream().map(NodeAddress::parse).toList(),
                            command.monitorOptions,
                            command.zkAuth.access())
                    .stop();
            try (Jedis client = tlsClient(proxy)) {
                Poll.until(
                        Duration.ofSeconds(20),
                        "the monitor to seed the topology from the TLS nodes",
                        () -> master.address().equals(proxy.topology().current().master()));
                Poll.until(
                        Duration.ofSeconds(10),
                        "a write through the proxy's TLS port",
                        () -> succeeds(() -> client.set("secured:before", "1")));
                assertOnlyTheRolesMayTouchTheTree(proxy);

                master.kill();
                Poll.until(Duration.ofSeconds(30), "the monitor to promote a replica over TLS", () -> {
                    NodeAddress now = proxy.topology().current().master();
                    return now != null && !now.equals(master.address());
                });
                Poll.until(
                        Duration.ofSeconds(10),
                        "writes to the new master",
                        () -> succeeds(() -> client.set("secured:after", "2")));
                NodeAddress promoted = proxy.topology().current().master();
                assertNotEquals(master.address(), promoted);
                RedisProcess newMaster = promoted.equals(replica1.address()) ? replica1 : replica2;
                try (Jedis direct = newMaster.client()) {
                    assertEquals("1", direct.get("secured:before"), "the write before the failover survived");
                    assertEquals("2", direct.get("secured:after"));
                }
            } finally {
                stopZooKeeperSide.run();
            }
        }
    }

    /** Without credentials nothing; with the proxy's only what proxies write; with the reader's, reading. */
    private void assertOnlyTheRolesMayTouchTheTree(ProxyServer proxy) throws Exception {
        String topology = "/secured/topology";
        try (CuratorFramework anonymous = client(null);
                CuratorFramework proxyOnly = client("proxy:p-secret");
                CuratorFramework reader = client("reader:r-secret")) {
            assertThrows(
                    KeeperException.NoAuthException.class,
                    () -> anonymous.getData().forPath(topology));
            assertThrows(
                    KeeperException.NoAuthException.class,
                    () -> anonymous.setData().forPath(topology, "{}".getBytes()));
            assertThrows(
                    KeeperException.NoAuthException.class,
                    () -> anonymous.create().forPath("/secured/proxies/intruder"));
            assertThrows(
                    KeeperException.NoAuthException.class,
                    () -> anonymous.delete().forPath(topology));
            assertThrows(
                    KeeperException.NoAuthException.class,
                    () -> proxyOnly.setData().forPath(topology, "{}".getBytes()),
                    "a proxy cannot choose the master");
            assertThrows(
                    KeeperException.NoAuthException.class,
                    () -> reader.setData().forPath(topology, "{}".getBytes()));
            assertTrue(
                    new String(reader.getData().forPath(topology))
                            .contains(master.address().toString()),
                    "the reader reads");
            assertTrue(new String(proxyOnly.getData().forPath(topology))
                    .contains(master.address().toString()));
        }
        assertEquals(
                master.address(), proxy.topology().current().master(), "the proxy ignored nothing it should not have");
    }

    private CuratorFramework client(String credentials) throws InterruptedException {
        CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder()
                .connectString(zooKeeper.getConnectString())
                .retryPolicy(new RetryOneTime(100))
                .sessionTimeoutMs(10_000)
                .connectionTimeoutMs(5_000);
        if (credentials != null) {
            builder.authorization("digest", credentials.getBytes());
        }
        CuratorFramework client = builder.build();
        client.start();
        assertTrue(client.blockUntilConnected(10, TimeUnit.SECONDS));
        return client;
    }

    private Jedis tlsClient(ProxyServer proxy) {
        return new Jedis(
                new HostAndPort("127.0.0.1", proxy.boundTlsAddress().port()),
                DefaultJedisClientConfig.builder()
                        .timeoutMillis(10_000)
                        .ssl(true)
                        .sslSocketFactory(certificates.socketFactory(true))
                        .build());
    }

    private static boolean succeeds(Supplier<String> write) {
        try {
            return "OK".equals(write.get());
        } catch (RuntimeException e) {
            return false;
        }
    }
}

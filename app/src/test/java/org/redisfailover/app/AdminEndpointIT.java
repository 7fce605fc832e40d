package org.redisfailover.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.redisfailover.it.PrometheusScrape;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.admin.AdminAccess;
import org.redisfailover.proxy.admin.AdminServer;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.server.ProxyServer;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;
import picocli.CommandLine;

/** The admin endpoint of a proxy following ZooKeeper with its co-located monitor, over real HTTP. */
@ExtendWith(RedisGroup.class)
class AdminEndpointIT {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private record Reply(int status, JsonNode body) {}

    private Reply get(AdminServer admin, String path) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.port() + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(
                "application/json",
                response.headers().firstValue("Content-Type").orElse(""),
                path);
        return new Reply(response.statusCode(), MAPPER.readTree(response.body()));
    }

    @Test
    void readyFlipsOnceATopologyIsConfirmedAndTopologyShowsTheGroup(RedisGroup group) throws Exception {
        try (TestingServer zooKeeper = new TestingServer(true)) {
            ProxyCommand command = new ProxyCommand();
            new CommandLine(command)
                    .parseArgs("--listen", "127.0.0.1:0", "--zk", zooKeeper.getConnectString(), "--zk-path", "/admin");
            ProxyConfig config = command.buildConfig();
            try (ProxyServer server = new ProxyServer(config).start()) {
                List<NodeAddress> nodes = List.of(
                        group.master().address(),
                        group.replicas().get(0).address(),
                        group.replicas().get(1).address());
                // Before anything is read from ZooKeeper the proxy is live but not ready.
                try (AdminServer early =
                        AdminServer.start(new NodeAddress("127.0.0.1", 0), server.topology(), server.metrics(), null)) {
                    assertEquals(200, get(early, "/health").status());
                    Reply notReady = get(early, "/ready");
                    assertEquals(503, notReady.status());
                    assertTrue(
                            notReady.body().path("reason").asText().contains("no topology"),
                            notReady.body().toString());
                }
                ZooKeeperFollowing.Running following =
                        ZooKeeperFollowing.start(config, server, nodes, new MonitorOptions(), ZkAccess.OPEN);
                try (AdminServer admin = AdminServer.start(
                        new NodeAddress("127.0.0.1", 0), server.topology(), server.metrics(), following.view())) {
                    Poll.until(Duration.ofSeconds(20), "the proxy to be ready", () -> {
                        try {
                            return get(admin, "/ready").status() == 200;
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
                    Reply topology = get(admin, "/topology");
                    assertEquals(200, topology.status());
                    assertEquals(
                            group.master().address().toString(),
                            topology.body().path("routing").path("master").asText());
                    JsonNode groupStatus = topology.body().path("group");
                    assertEquals(3, groupStatus.path("nodes").size(), groupStatus.toString());
                    assertEquals(1, groupStatus.path("proxies").size(), "this proxy's registration");
                    assertTrue(get(admin, "/events").body().isArray());
                    assertEquals(
                            404,
                            http.send(
                                            HttpRequest.newBuilder(
                                                            URI.create("http://127.0.0.1:" + admin.port() + "/nope"))
                                                    .build(),
                                            HttpResponse.BodyHandlers.ofString())
                                    .statusCode());
                } finally {
                    following.stop().run();
                }
            }
        }
    }

    @Test
    void readyTurnsOffWhileFencedAndBackOnceZooKeeperReturns(RedisGroup group) throws Exception {
        try (TestingServer zooKeeper = new TestingServer(true)) {
            ProxyCommand command = new ProxyCommand();
            new CommandLine(command)
                    .parseArgs(
                            "--listen",
                            "127.0.0.1:0",
                            "--zk",
                            zooKeeper.getConnectString(),
                            "--zk-path",
                            "/fence",
                            "--fence-timeout-ms",
                            "1500",
                            "--master",
                            group.master().address().toString());
            ProxyConfig config = command.buildConfig();
            try (ProxyServer server = new ProxyServer(config).start();
                    AdminServer admin = AdminServer.start(
                            new NodeAddress("127.0.0.1", 0), server.topology(), server.metrics(), null)) {
                ZooKeeperFollowing.Running following =
                        ZooKeeperFollowing.start(config, server, List.of(), new MonitorOptions(), ZkAccess.OPEN);
                try {
                    awaitStatus(admin, 200, "ready with the seeded topology");
                    zooKeeper.stop();
                    // Writes wait first (the write lease, 0.9 s without ZooKeeper), then the proxy fences itself (1.5 s
                    // here).
                    awaitStatus(admin, 503, "not ready once writes wait");
                    Poll.until(Duration.ofSeconds(20), "the proxy to fence itself", () -> {
                        try {
                            return get(admin, "/ready")
                                    .body()
                                    .path("reason")
                                    .asText()
                                    .startsWith("fenced");
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
                    assertEquals(1, PrometheusScrape.of(admin.port()).required("redis_failover_fenced"));
                    assertEquals(0, PrometheusScrape.of(admin.port()).required("redis_failover_zookeeper_connected"));
                    zooKeeper.restart();
                    awaitStatus(admin, 200, "ready again once ZooKeeper confirms the topology");
                    // A confirmation in flight across the restart can fence the proxy once more for a moment: the gauge
                    // must come back to 0 with it, not at the very scrape after /ready first said 200.
                    Poll.until(Duration.ofSeconds(20), "the fenced gauge back at 0", () -> {
                        try {
                            return PrometheusScrape.of(admin.port()).required("redis_failover_fenced") == 0;
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
                } finally {
                    following.stop().run();
                }
            }
        }
    }

    private void awaitStatus(AdminServer admin, int status, String what) {
        Poll.until(Duration.ofSeconds(20), what, () -> {
            try {
                return get(admin, "/ready").status() == status;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void fixedTopologyProxyIsReadyAndHasNoGroupView(RedisGroup group) throws Exception {
        ProxyCommand command = new ProxyCommand();
        new CommandLine(command)
                .parseArgs(
                        "--listen",
                        "127.0.0.1:0",
                        "--master",
                        group.master().address().toString(),
                        "--replica",
                        group.replicas().stream()
                                .map(RedisProcess::address)
                                .map(NodeAddress::toString)
                                .reduce((a, b) -> a + "," + b)
                                .orElseThrow());
        try (ProxyServer server = new ProxyServer(command.buildConfig()).start();
                AdminServer admin =
                        AdminServer.start(new NodeAddress("127.0.0.1", 0), server.topology(), server.metrics(), null)) {
            assertEquals(200, get(admin, "/ready").status());
            Reply topology = get(admin, "/topology");
            assertEquals(2, topology.body().path("routing").path("replicas").size());
            assertTrue(topology.body().path("group").isMissingNode());
            assertEquals(0, get(admin, "/events").body().size());
        }
    }

    /** With a fixed master nobody fails over: while the proxy cannot reach it, it is not ready, and says why. */
    @Test
    void aFixedMasterThatIsUnreachableMakesTheProxyNotReady(@TempDir Path dir) throws Exception {
        RedisProcess master = RedisProcess.start(dir, null);
        try {
            ProxyCommand command = new ProxyCommand();
            new CommandLine(command)
                    .parseArgs(
                            "--listen",
                            "127.0.0.1:0",
                            "--master",
                            master.address().toString());
            try (ProxyServer server = new ProxyServer(command.buildConfig()).start();
                    AdminServer admin = AdminServer.start(
                            new NodeAddress("127.0.0.1", 0),
                            server.topology(),
                            server.metrics(),
                            null,
                            null,
                            AdminAccess.withoutToken(),
                            null,
                            server::notReadyReason)) {
                awaitStatus(admin, 200, "ready with the master up");
                assertEquals(
                        1,
                        PrometheusScrape.of(admin.port())
                                .required(
                                        "redis_failover_node_up",
                                        "node",
                                        master.address().toString(),
                                        "role",
                                        "master"));
                master.kill();
                awaitStatus(admin, 503, "not ready while the master is unreachable");
                assertEquals(
                        "the master " + master.address() + " is unreachable",
                        get(admin, "/ready").body().path("reason").asText());
                assertEquals(0, PrometheusScrape.of(admin.port()).required("redis_failover_ready"));
                assertEquals(
                        0,
                        PrometheusScrape.of(admin.port())
                                .required(
                                        "redis_failover_node_up",
                                        "node",
                                        master.address().toString(),
                                        "role",
                                        "master"));
                master.restart();
                awaitStatus(admin, 200, "ready again once the proxy reconnects");
            }
        } finally {
            master.close();
        }
    }
}

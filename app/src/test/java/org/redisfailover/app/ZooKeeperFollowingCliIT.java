package org.redisfailover.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.protocol.topology.TopologyJson;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.server.ProxyServer;
import picocli.CommandLine;

/** The command line's ZooKeeper wiring against a real in-process ZooKeeper: seeding and the timing rule. */
class ZooKeeperFollowingCliIT {

    @TempDir
    Path dir;

    private static ProxyConfig parse(String... args) {
        ProxyCommand command = new ProxyCommand();
        new CommandLine(command).parseArgs(args);
        return command.buildConfig();
    }

    @Test
    void masterFromTheCommandLineSeedsAnEmptyZooKeeperOnce() throws Exception {
        try (TestingServer zooKeeper = new TestingServer(true)) {
            ProxyConfig config = parse(
                    "--listen",
                    "127.0.0.1:0",
                    "--zk",
                    zooKeeper.getConnectString(),
                    "--zk-path",
                    "/seed",
                    "--master",
                    "127.0.0.1:6379",
                    "--replica",
                    "127.0.0.1:6380");
            try (ProxyServer server = new ProxyServer(config).start()) {
                Runnable stop = ZooKeeperFollowing.start(
                                config, server, java.util.List.of(), new MonitorOptions(), ZkAccess.OPEN)
                        .stop();
                try (CuratorFramework admin =
                        CuratorFrameworkFactory.newClient(zooKeeper.getConnectString(), new RetryOneTime(100))) {
                    admin.start();
                    Topology seeded = TopologyJson.decode(admin.getData().forPath("/seed/topology"));
                    assertEquals(
                            new Topology(
                                    1,
                                    NodeAddress.parse("127.0.0.1:6379"),
                                    List.of(NodeAddress.parse("127.0.0.1:6380"))),
                            seeded);
                    org.redisfailover.testing.Poll.until(
                            java.time.Duration.ofSeconds(10),
                            "the proxy to apply the seed",
                            () -> server.topology().current().epoch() == 1);
                } finally {
                    stop.run();
                }
            }
        }
    }

    @Test
    void stopsPromptlyWhenZooKeeperStopsAnswering() throws Exception {
        // Stopping is bounded (ZooKeeperFollowing.CLOSE_BOUND) even when ZooKeeper keeps connections open
        // but answers nothing: in the failover benchmark, where ZooKeeper and the proxies got SIGTERM
        // together, proxies took about two minutes to exit while their znode deletes retried.
        try (TestingServer zooKeeper = new TestingServer(true);
                org.redisfailover.testing.FaultRelay relay =
                        new org.redisfailover.testing.FaultRelay(NodeAddress.parse(zooKeeper.getConnectString()))) {
            ProxyConfig config = parse(
                    "--listen",
                    "127.0.0.1:0",
                    "--zk",
                    relay.address().toString(),
                    "--zk-path",
                    "/silent",
                    "--master",
                    "127.0.0.1:6379");
            try (ProxyServer server = new ProxyServer(config).start()) {
                Runnable stop = ZooKeeperFollowing.start(
                                config,
                                server,
                                List.of(NodeAddress.parse("127.0.0.1:6379")),
                                new MonitorOptions(),
                                ZkAccess.OPEN)
                        .stop();
                org.redisfailover.testing.Poll.until(
                        java.time.Duration.ofSeconds(10),
                        "the proxy to apply the seed",
                        () -> server.topology().current().epoch() == 1);
                relay.mode(org.redisfailover.testing.FaultRelay.Mode.BLACKHOLE);
                assertTimeoutPreemptively(
                        java.time.Duration.ofSeconds(6), stop::run, "stopping while ZooKeeper does not answer");
            }
        }
    }

    @Test
    void fenceTimeoutAboveTheGrantedSessionIsRefusedAtStartUp() throws Exception {
        // tickTime 100 ms: ZooKeeper grants at most 20 ticks, 2 s, whatever the client asks for.
        InstanceSpec spec = new InstanceSpec(new File(dir.toFile(), "zk"), -1, -1, -1, true, 1, 100, -1);
        try (TestingServer zooKeeper = new TestingServer(spec, true)) {
            ProxyConfig config = parse(
                    "--listen",
                    "127.0.0.1:0",
                    "--zk",
                    zooKeeper.getConnectString(),
                    "--zk-session-timeout-ms",
                    "10000",
                    "--fence-timeout-ms",
                    "5000");
            try (ProxyServer server = new ProxyServer(config).start()) {
                IllegalArgumentException e = assertThrows(
                        IllegalArgumentException.class,
                        () -> ZooKeeperFollowing.start(
                                config, server, java.util.List.of(), new MonitorOptions(), ZkAccess.OPEN));
                assertTrue(e.getMessage().contains("is not below the session timeout 2000 ms"), e.getMessage());
            }
        }
    }

    @Test
    void fenceTimeoutMustBeBelowTheRequestedSession() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> parse("--zk", "127.0.0.1:2181", "--zk-session-timeout-ms", "4000", "--fence-timeout-ms", "4000"));
        assertTrue(e.getMessage().startsWith("fence-timeout-ms: 4000"), e.getMessage());
    }
}

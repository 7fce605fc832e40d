package org.redisfailover.it;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.redisfailover.app.RedisFailoverMain;
import org.redisfailover.monitor.Monitor;
import org.redisfailover.monitor.MonitorSettings;
import org.redisfailover.monitor.NodeAccess;
import org.redisfailover.monitor.SwitchHistory;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.protocol.topology.ZkLayout;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.config.ZooKeeperSettings;
import org.redisfailover.proxy.server.ProxyServer;
import org.redisfailover.proxy.zk.ZkGroupConfigStore;
import org.redisfailover.proxy.zk.ZkTopologyFollower;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.ZooKeeperTestClient;
import picocli.CommandLine;

/**
 * The ZooKeeper side of a failover test: monitors and proxies (each with its own ZooKeeper session)
 * around a {@link RedisGroup}, against a real ZooKeeper whose connect string the test gives. Closing
 * it stops them all and gives the group back with its original master.
 */
final class FailoverFixture implements AutoCloseable {

    static final ZkLayout LAYOUT = new ZkLayout("/redis/failover");
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(10);
    /** Unanswered probes call a node down after this (a refused connection after three probes): short, for quick tests. */
    static final Duration SLOW_DOWN_AFTER = Duration.ofSeconds(1);

    private final RedisGroup group;
    private final String connectString;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    final List<ProxyServer> proxies = new ArrayList<>();
    final CuratorFramework admin;

    /** Set when the fixture runs its own ZooKeeper ({@link #onOwnZooKeeper}); stopped when it closes. */
    private TestingServer ownZooKeeper;

    /** A fixture on a ZooKeeper server of its own, which closing the fixture stops. */
    static FailoverFixture onOwnZooKeeper(RedisGroup group) throws Exception {
        TestingServer server = new TestingServer(true);
        FailoverFixture fixture = new FailoverFixture(group, server.getConnectString());
        fixture.ownZooKeeper = server;
        return fixture;
    }

    String connectString() {
        return connectString;
    }

    FailoverFixture(RedisGroup group, String connectString) throws InterruptedException {
        this.group = group;
        this.connectString = connectString;
        this.admin = newClient(SESSION_TIMEOUT);
    }

    CuratorFramework newClient(Duration sessionTimeout) throws InterruptedException {
        CuratorFramework client = ZooKeeperTestClient.connect(connectString, sessionTimeout);
        closeables.add(client);
        return client;
    }

    List<NodeAddress> nodes() {
        return List.of(
                group.master().address(),
                group.replicas().get(0).address(),
                group.replicas().get(1).address());
    }

    static MonitorSettings monitorSettings(String id, List<NodeAddress> nodes) {
        return monitorSettings(id, nodes, 0);
    }

    /** With the proxies' safe mode: {@code minReplicaAcks} replicas acknowledge each write. */
    static MonitorSettings monitorSettings(String id, List<NodeAddress> nodes, int minReplicaAcks) {
        return new MonitorSettings(
                id,
                LAYOUT,
                nodes,
                Duration.ofMillis(100),
                Duration.ofMillis(200),
                3,
                SLOW_DOWN_AFTER,
                SESSION_TIMEOUT,
                -1,
                Duration.ofSeconds(2),
                NodeAccess.PLAIN,
                minReplicaAcks);
    }

    /** A monitor of the proxies' safe mode. */
    Monitor startSafeModeMonitor(String id, int minReplicaAcks) throws Exception {
        Monitor monitor = new Monitor(
                newClient(SESSION_TIMEOUT), monitorSettings(id, nodes(), minReplicaAcks), UnaryOperator.identity());
        monitor.start();
        closeables.add(monitor);
        return monitor;
    }

    Monitor startMonitor(String id) throws Exception {
        return startMonitor(id, UnaryOperator.identity());
    }

    /** A monitor that reaches each node at {@code dial(node)}: a fault relay stands between them. */
    Monitor startMonitor(String id, UnaryOperator<NodeAddress> dial) throws Exception {
        Monitor monitor = new Monitor(newClient(SESSION_TIMEOUT), monitorSettings(id, nodes()), dial);
        monitor.start();
        closeables.add(monitor);
        return monitor;
    }

    ProxyServer startProxy(String id) throws Exception {
        return startProxy(id, newClient(SESSION_TIMEOUT));
    }

    /** A proxy following ZooKeeper through {@code client} (a test may cut that client off). */
    ProxyServer startProxy(String id, CuratorFramework client) throws Exception {
        return startProxy(id, client, Duration.ofSeconds(3));
    }

    /** As {@link #startProxy(String, CuratorFramework)}, fencing itself after {@code fenceTimeout} without ZooKeeper. */
    ProxyServer startProxy(String id, CuratorFramework client, Duration fenceTimeout) throws Exception {
        ZooKeeperSettings settings = new ZooKeeperSettings(
                connectString, LAYOUT, SESSION_TIMEOUT, fenceTimeout, ZooKeeperSettings.DEFAULT_REPLICATION_GUARD);
        ProxyServer proxy = new ProxyServer(ProxyConfig.builder(new NodeAddress("127.0.0.1", 0), null, List.of())
                        .zooKeeper(settings)
                        .build())
                .start();
        closeables.add(proxy);
        ZkGroupConfigStore configStore = new ZkGroupConfigStore(client, LAYOUT, SESSION_TIMEOUT);
        proxy.recordConfigIn(configStore);
        closeables.add(configStore);
        ZkTopologyFollower follower = new ZkTopologyFollower(
                client,
                settings,
                proxy.topology(),
                proxy::drainLoops,
                proxy.boundAddress().toString(),
                id,
                proxy.config().minReplicaAcks());
        follower.start(null);
        closeables.add(follower);
        proxies.add(proxy);
        return proxy;
    }

    /** What a {@code redis-failover} command printed (out and err together) and its exit status. */
    record CommandResult(int status, String output) {}

    /** Runs {@code redis-failover} with {@code args} in this process, as an operator would from a shell. */
    static CommandResult run(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintWriter writer = new PrintWriter(bytes, true, StandardCharsets.UTF_8);
        int status = new CommandLine(new RedisFailoverMain())
                .setOut(writer)
                .setErr(writer)
                .execute(args);
        writer.flush();
        return new CommandResult(status, bytes.toString(StandardCharsets.UTF_8));
    }

    Topology topology() throws Exception {
        return ZooKeeperTestClient.topology(admin, LAYOUT);
    }

    /** Polls until the monitors have seeded the topology with the group's master and both replicas. */
    void awaitSeeded() {
        Poll.until(Duration.ofSeconds(15), "the monitors to seed the topology", () -> {
            try {
                return group.master().address().equals(topology().master())
                        && topology().replicas().size() == 2;
            } catch (Exception e) {
                return false;
            }
        });
    }

    /** Polls until one of the recent failover events' details contains {@code fragment} (a reason the leader recorded). */
    void awaitEventDetail(String fragment, Duration timeout) {
        Poll.until(timeout, "an event saying '" + fragment + "'", () -> {
            try {
                return SwitchHistory.recent(admin, LAYOUT, 10).stream()
                        .anyMatch(event -> String.valueOf(event.detail()).contains(fragment));
            } catch (Exception e) {
                return false;
            }
        });
    }

    /** Polls until the topology's master is a node other than {@code old}; returns that topology. */
    Topology awaitNewMaster(NodeAddress old, Duration timeout) throws Exception {
        return ZooKeeperTestClient.awaitMasterOtherThan(admin, LAYOUT, old, timeout);
    }

    @Override
    public void close() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        admin.close();
        group.restoreRoles();
        group.heal();
        if (ownZooKeeper != null) {
            ownZooKeeper.close();
        }
    }
}

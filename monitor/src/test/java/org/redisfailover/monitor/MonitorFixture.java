package org.redisfailover.monitor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.SwitchEvent;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.protocol.topology.ZkLayout;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.ZooKeeperTestClient;

/**
 * Monitors (no proxies) around a {@link RedisGroup}, on a real in-process ZooKeeper. Closing stops them and
 * gives the group back with its original master.
 */
final class MonitorFixture implements AutoCloseable {

    static final ZkLayout LAYOUT = new ZkLayout("/monitor/test");
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(10);
    /** Unanswered probes call a node down after this (a refused connection after three probes): short, for quick tests. */
    static final Duration SLOW_DOWN_AFTER = Duration.ofSeconds(1);

    final RedisGroup group;
    final TestingServer zooKeeper;
    final CuratorFramework admin;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    MonitorFixture(RedisGroup group) throws Exception {
        this.group = group;
        this.zooKeeper = new TestingServer(true);
        this.admin = newClient();
    }

    CuratorFramework newClient() throws InterruptedException {
        CuratorFramework client = ZooKeeperTestClient.connect(zooKeeper.getConnectString(), SESSION_TIMEOUT);
        closeables.add(client);
        return client;
    }

    List<NodeAddress> nodes() {
        return List.of(
                group.master().address(),
                group.replicas().get(0).address(),
                group.replicas().get(1).address());
    }

    static MonitorSettings settings(String id, List<NodeAddress> nodes) {
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
                0);
    }

    Monitor startMonitor(String id) throws Exception {
        Monitor monitor = new Monitor(newClient(), settings(id, nodes()));
        monitor.start();
        closeables.add(monitor);
        return monitor;
    }

    Topology topology() throws Exception {
        return ZooKeeperTestClient.topology(admin, LAYOUT);
    }

    /** Polls until the monitors have seeded the topology with the master's identity and both replicas. */
    void awaitSeeded() {
        Poll.until(Duration.ofSeconds(15), "the monitors to seed the topology", () -> {
            try {
                Topology topology = topology();
                return group.master().address().equals(topology.master())
                        && topology.replicas().size() == 2
                        && topology.masterIdentity() != null;
            } catch (Exception e) {
                return false;
            }
        });
    }

    Topology awaitNewMaster(NodeAddress old, Duration timeout) throws Exception {
        return ZooKeeperTestClient.awaitMasterOtherThan(admin, LAYOUT, old, timeout);
    }

    List<SwitchEvent> events() throws Exception {
        return SwitchHistory.recent(admin, LAYOUT, SwitchHistory.LIMIT);
    }

    @Override
    public void close() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        zooKeeper.close();
        group.restoreRoles();
        group.heal();
    }
}

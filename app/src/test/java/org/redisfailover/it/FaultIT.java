package org.redisfailover.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisfailover.monitor.Monitor;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.proxy.server.ProxyServer;
import org.redisfailover.testing.FaultRelay;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RawClient;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ListDirection;

/**
 * Faults with real ZooKeeper and real Redis: false alarms that must not cause a
 * failover, a ZooKeeper ensemble member lost, one proxy cut off from ZooKeeper while the others
 * switch, and the leading monitor paused past its session.
 */
@ExtendWith(RedisGroup.class)
class FaultIT {

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T closeable) {
        closeables.add(closeable);
        return closeable;
    }

    private FailoverFixture fixture(RedisGroup group, String connectString) throws InterruptedException {
        return closeLater(new FailoverFixture(group, connectString));
    }

    /** A fixture on a ZooKeeper of its own, and a relay in front of the master that monitors can be made to dial through. */
    private record RelayedMaster(FailoverFixture fixture, FaultRelay relay, NodeAddress master) {
        NodeAddress dial(NodeAddress node) {
            return node.equals(master) ? relay.address() : node;
        }
    }

    private RelayedMaster relayedMaster(RedisGroup group) throws Exception {
        TestingServer zooKeeper = closeLater(new TestingServer(true));
        FailoverFixture fixture = fixture(group, zooKeeper.getConnectString());
        FaultRelay relay = closeLater(new FaultRelay(group.master().address()));
        return new RelayedMaster(fixture, relay, group.master().address());
    }

    /** A ZooKeeper client connected through {@code relay}, for a proxy the test cuts off. */
    private CuratorFramework connectThrough(FaultRelay relay) throws InterruptedException {
        CuratorFramework client = closeLater(CuratorFrameworkFactory.newClient(
                relay.address().toString(),
                (int) FailoverFixture.SESSION_TIMEOUT.toMillis(),
                2_000,
                new RetryOneTime(100)));
        client.start();
        assertTrue(client.blockUntilConnected(10, TimeUnit.SECONDS));
        return client;
    }

    /** Watches the topology for {@code window}: it must stay at {@code epoch} the whole time. */
    private static void assertEpochStays(FailoverFixture fixture, long epoch, Duration window, String why)
            throws Exception {
        long deadline = System.nanoTime() + window.toNanos();
        for (int check = 0; check < 10_000 && System.nanoTime() < deadline; check++) {
            assertEquals(epoch, fixture.topology().epoch(), why);
            Thread.sleep(20); // the observation interval of a stability window, not a synchronisation
        }
    }

    private static boolean leads(Monitor monitor) {
        return monitor.isLeader();
    }

    @Test
    void leaderCutFromTheMasterAloneCausesNoFailover(RedisGroup group) throws Exception {
        RelayedMaster relayed = relayedMaster(group);
        FailoverFixture fixture = relayed.fixture();
        FaultRelay relay = relayed.relay();
        NodeAddress master = group.master().address();
        Monitor cutOff = fixture.startMonitor("m1", relayed::dial);
        Poll.until(Duration.ofSeconds(10), "m1 to lead", () -> leads(cutOff));
        fixture.startMonitor("m2");
        fixture.awaitSeeded();
        long epoch = fixture.topology().epoch();

        relay.mode(FaultRelay.Mode.BLACKHOLE); // only the leader loses the master
        Poll.until(Duration.ofSeconds(10), "the leader to see the master down", () -> {
            try {
                return new String(
                                fixture.admin.getData().forPath(FailoverFixture.LAYOUT.monitors() + "/m1"),
                                StandardCharsets.UTF_8)
                        .contains(master.toString());
            } catch (Exception e) {
                return false;
            }
        });
        assertEpochStays(fixture, epoch, Duration.ofSeconds(2), "one monitor of two is no majority");
        assertTrue(leads(cutOff), "the cut-off monitor still leads and still does not act");
    }

    @Test
    void slowMasterWithinTheProbeTimeoutCausesNoFailover(RedisGroup group) throws Exception {
        RelayedMaster relayed = relayedMaster(group);
        FailoverFixture fixture = relayed.fixture();
        FaultRelay relay = relayed.relay();
        fixture.startMonitor("m1", relayed::dial);
        fixture.startMonitor("m2", relayed::dial);
        fixture.awaitSeeded();
        long epoch = fixture.topology().epoch();

        relay.delayReplies(120); // each probe reply takes 120 ms; the probe timeout is 200 ms
        assertEpochStays(fixture, epoch, Duration.ofSeconds(3), "a slow master within the timeout is alive");
        for (String monitor : List.of("m1", "m2")) {
            String view = new String(
                    fixture.admin.getData().forPath(FailoverFixture.LAYOUT.monitors() + "/" + monitor),
                    StandardCharsets.UTF_8);
            assertFalse(view.contains(relayed.master().toString()), monitor + " calls the slow master down: " + view);
        }
    }

    @Test
    void zooKeeperMemberLostCausesNoDisruption(RedisGroup group) throws Exception {
        TestingCluster ensemble = closeLater(new TestingCluster(3));
        ensemble.start();
        FailoverFixture fixture = fixture(group, ensemble.getConnectString());
        fixture.startMonitor("m1");
        fixture.startMonitor("m2");
        fixture.awaitSeeded();
        ProxyServer proxy = fixture.startProxy("p1");
        long epoch = fixture.topology().epoch();
        try (Jedis client = new Jedis("127.0.0.1", proxy.boundAddress().port(), 10_000)) {
            assertEquals("OK", client.set("ensemble:before", "1"));
            InstanceSpec victim = ensemble.getInstances().iterator().next();
            assertTrue(ensemble.killServer(victim), "a member was stopped");
            // Writes go on through the loss and the clients' reconnection to the other members.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            int written = 0;
            for (; written < 100_000 && System.nanoTime() < deadline; written++) {
                assertEquals("OK", client.set("ensemble:" + written, "v"));
            }
            assertTrue(written > 100, "writes flowed: " + written);
        }
        assertEquals(epoch, fixture.topology().epoch(), "no switch");
        assertFalse(proxy.topology().isFenced(), "the proxy kept a confirmed view");
    }

    /**
     * A write sent while the proxy's ZooKeeper write lease held, answered by Redis after it lapsed (the proxy's
     * ZooKeeper server went away and it reconnects to another): the reply waits for ZooKeeper to confirm the same master,
     * then goes to the client as Redis sent it. It was answered UNCERTAIN at once, so each lapse cost a write an error,
     * and writes held in a lapse shorter than the fence were never released: they failed after the hold timeout.
     */
    @Test
    void aWriteAnsweredAfterTheLeaseLapsedWaitsForZooKeeperInsteadOfFailing(RedisGroup group) throws Exception {
        TestingServer zooKeeper = closeLater(new TestingServer(true));
        FailoverFixture fixture = fixture(group, zooKeeper.getConnectString());
        fixture.startMonitor("m1");
        fixture.awaitSeeded();
        FaultRelay zkRelay = closeLater(new FaultRelay(NodeAddress.parse(zooKeeper.getConnectString())));
        CuratorFramework relayed = connectThrough(zkRelay);
        // A fence far enough away that the test decides when ZooKeeper comes back, not the fence.
        ProxyServer proxy = fixture.startProxy("p1", relayed, Duration.ofSeconds(8));
        Poll.until(Duration.ofSeconds(10), "p1 to write", () -> proxy.topology().writableMaster() != null);
        ExecutorService caller = Executors.newFixedThreadPool(2);
        try (Jedis client = new Jedis("127.0.0.1", proxy.boundAddress().port(), 20_000);
                Jedis master = new Jedis(
                        group.master().address().host(),
                        group.master().address().port(),
                        5_000);
                Jedis writer = new Jedis("127.0.0.1", proxy.boundAddress().port(), 20_000)) {
            // A blocking move: a write whose reply comes when the test pushes, after the lease has lapsed.
            Future<String> moved = caller.submit(
                    () -> client.blmove("lease:src", "lease:dst", ListDirection.RIGHT, ListDirection.LEFT, 15));
            Poll.until(
                    Duration.ofSeconds(5),
                    "the move to block on the master",
                    () -> master.clientList().contains("cmd=blmove"));
            zkRelay.mode(FaultRelay.Mode.REFUSE);
            Poll.until(
                    Duration.ofSeconds(5),
                    "the write lease to lapse",
                    () -> proxy.topology().notWritableReason() != null);
            Future<String> held = caller.submit(() -> writer.set("lease:held", "1"));
            master.lpush("lease:src", "x");
            assertThrows(
                    TimeoutException.class,
                    () -> moved.get(500, TimeUnit.MILLISECONDS),
                    "the move's reply waits for ZooKeeper: a failover may be under way");
            assertFalse(held.isDone(), "a write sent now waits unsent");
            zkRelay.mode(FaultRelay.Mode.PASS);
            assertEquals(
                    "x",
                    moved.get(10, TimeUnit.SECONDS),
                    "ZooKeeper confirms the same master: the reply goes as Redis sent it");
            assertEquals(
                    "OK",
                    held.get(10, TimeUnit.SECONDS),
                    "and the held write goes once the lease holds again, before any hold timeout");
        } finally {
            caller.shutdownNow();
        }
        assertFalse(proxy.topology().isFenced());
    }

    @Test
    void proxyCutFromZooKeeperFencesItselfWhileTheOthersSwitch(RedisGroup group) throws Exception {
        TestingServer zooKeeper = closeLater(new TestingServer(true));
        FailoverFixture fixture = fixture(group, zooKeeper.getConnectString());
        fixture.startMonitor("m1");
        fixture.startMonitor("m2");
        fixture.awaitSeeded();
        ProxyServer connected = fixture.startProxy("p1");
        FaultRelay zkRelay = closeLater(new FaultRelay(NodeAddress.parse(zooKeeper.getConnectString())));
        CuratorFramework cutClient = connectThrough(zkRelay);
        ProxyServer cut = fixture.startProxy("p2", cutClient);
        Poll.until(
                Duration.ofSeconds(10),
                "p2 to follow the topology",
                () -> cut.topology().current().master() != null);
        NodeAddress oldMaster = group.master().address();

        long cutAt = System.nanoTime();
        zkRelay.mode(FaultRelay.Mode.REFUSE);
        Poll.until(
                Duration.ofSeconds(10),
                "p2 to fence itself",
                () -> cut.topology().isFenced());
        long fencedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cutAt);
        assertTrue(
                fencedAfterMs < FailoverFixture.SESSION_TIMEOUT.toMillis(),
                "fenced before its session could expire: " + fencedAfterMs);

        group.master().kill();
        Topology after = fixture.awaitNewMaster(oldMaster, Duration.ofSeconds(30));
        try (Jedis viaConnected =
                new Jedis("127.0.0.1", connected.boundAddress().port(), 10_000)) {
            Poll.until(Duration.ofSeconds(10), "p1 to write to the new master", () -> {
                try {
                    return "OK".equals(viaConnected.set("cut:p1", "1"));
                } catch (Exception e) {
                    return false;
                }
            });
        }
        assertTrue(cut.topology().isFenced(), "p2 stays fenced while cut off");
        assertEquals(null, cut.topology().writableMaster(), "a fenced proxy writes to no master");

        zkRelay.mode(FaultRelay.Mode.PASS);
        Poll.until(
                Duration.ofSeconds(30),
                "p2 to reconnect, catch up and lift its fence",
                () -> !cut.topology().isFenced()
                        && after.master().equals(cut.topology().current().master()));
        try (Jedis viaCut = new Jedis("127.0.0.1", cut.boundAddress().port(), 10_000)) {
            assertEquals("OK", viaCut.set("cut:p2", "2"));
        }
        try (Jedis newMaster = new Jedis(after.master().host(), after.master().port(), 5_000)) {
            assertEquals("2", newMaster.get("cut:p2"));
        }
    }

    /**
     * A silent partition (packets dropped, no reset): ZooKeeper's client notices only after its read timeout, two
     * thirds of the session, so a fence timed from that notice came after the session had expired and a new master
     * could exist. Timed from the last answered confirmation, the proxy stops writing within the fence timeout.
     */
    @Test
    void proxySilentlyCutFromZooKeeperStopsWritingWithinTheFenceTimeout(RedisGroup group) throws Exception {
        TestingServer zooKeeper = closeLater(new TestingServer(true));
        FailoverFixture fixture = fixture(group, zooKeeper.getConnectString());
        fixture.startMonitor("m1");
        fixture.awaitSeeded();
        FaultRelay zkRelay = closeLater(new FaultRelay(NodeAddress.parse(zooKeeper.getConnectString())));
        CuratorFramework cutClient = connectThrough(zkRelay);
        ProxyServer cut = fixture.startProxy("p1", cutClient);
        Poll.until(
                Duration.ofSeconds(10),
                "p1 to write to the master",
                () -> cut.topology().writableMaster() != null);

        long cutAt = System.nanoTime();
        zkRelay.mode(FaultRelay.Mode.BLACKHOLE);
        Poll.until(
                Duration.ofSeconds(10),
                "p1 to stop writing",
                () -> cut.topology().writableMaster() == null);
        long stoppedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cutAt);
        long fenceMs = cut.topology().lease().fenceMillis();
        // The last confirmation was sent at most one round (fence/6) before the cut.
        assertTrue(
                stoppedAfterMs <= fenceMs + 200,
                "stopped writing " + stoppedAfterMs + " ms after the cut (fence " + fenceMs + " ms)");
        assertTrue(
                stoppedAfterMs < FailoverFixture.SESSION_TIMEOUT.toMillis() * 2 / 3,
                "before ZooKeeper's client even notices a silent partition: " + stoppedAfterMs);
        try (RawClient client = new RawClient(cut.boundAddress().port(), 15_000)) {
            client.send(RawClient.command("SET", "silent", "1"));
            String held = client.readReply();
            assertTrue(held.startsWith("-ERR redis-failover: no master available (fenced"), held);
        }
        zkRelay.mode(FaultRelay.Mode.PASS);
        Poll.until(
                Duration.ofSeconds(30),
                "p1 to write again once ZooKeeper confirms",
                () -> cut.topology().writableMaster() != null);
    }

    @Test
    void leaderPausedPastItsSessionIsReplacedAndExactlyOneMasterRemains(RedisGroup group) throws Exception {
        TestingServer zooKeeper = closeLater(new TestingServer(true));
        FailoverFixture fixture = fixture(group, zooKeeper.getConnectString());
        String nodes = String.join(
                ",", fixture.nodes().stream().map(NodeAddress::toString).toList());
        Process stale = new ProcessBuilder(
                        new File(System.getProperty("java.home"), "bin/java").getPath(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        "org.redisfailover.app.RedisFailoverMain",
                        "monitor",
                        "-z",
                        zooKeeper.getConnectString(),
                        "-p",
                        FailoverFixture.LAYOUT.root(),
                        "-r",
                        nodes,
                        "--id",
                        "stale",
                        "--zk-session-timeout-ms",
                        "4000",
                        "--probe-interval-ms",
                        "100",
                        "--probe-timeout-ms",
                        "200")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        closeLater(() -> {
            stale.destroyForcibly();
            stale.waitFor(10, TimeUnit.SECONDS);
        });
        Poll.until(Duration.ofSeconds(30), "the separate monitor to lead and seed", () -> {
            try {
                return fixture.topology().master() != null && "stale".equals(leaderId(fixture));
            } catch (Exception e) {
                return false;
            }
        });
        Monitor successor = fixture.startMonitor("successor");
        ProxyServer proxy = fixture.startProxy("p1");
        NodeAddress oldMaster = group.master().address();

        signal(stale, "STOP"); // the leader freezes, its ZooKeeper session with it
        try {
            group.master().kill();
            Poll.until(Duration.ofSeconds(30), "the other monitor to take the lead", () -> leads(successor));
            fixture.awaitNewMaster(oldMaster, Duration.ofSeconds(30));
        } finally {
            signal(stale, "CONT"); // it wakes up believing it leads, with a view from before the failover
        }
        Topology after = fixture.topology();
        Poll.until(Duration.ofSeconds(20), "the stale monitor to learn it lost the lead", () -> {
            try {
                return "successor".equals(leaderId(fixture)) || !"stale".equals(leaderId(fixture));
            } catch (Exception e) {
                return false;
            }
        });
        group.master().restart();
        Poll.until(Duration.ofSeconds(30), "the old master to come back as a replica", () -> {
            try (Jedis old = group.master().client()) {
                return old.info("replication").contains("role:slave");
            } catch (Exception e) {
                return false;
            }
        });
        int masters = 0;
        for (RedisProcess node : List.of(
                group.master(), group.replicas().get(0), group.replicas().get(1))) {
            try (Jedis jedis = node.client()) {
                masters += "master".equals(jedis.role().get(0)) ? 1 : 0;
            }
        }
        assertEquals(1, masters, "exactly one master");
        Topology end = fixture.topology();
        assertEquals(after.master(), end.master(), "the stale leader changed nothing");
        assertNotEquals(oldMaster, end.master());
        try (Jedis client = new Jedis("127.0.0.1", proxy.boundAddress().port(), 10_000)) {
            assertEquals("OK", client.set("stale:after", "1"));
        }
    }

    private static String leaderId(FailoverFixture fixture) throws Exception {
        List<String> latches = new ArrayList<>(fixture.admin.getChildren().forPath(FailoverFixture.LAYOUT.leader()));
        latches.sort(java.util.Comparator.comparing(name -> name.substring(name.lastIndexOf('-') + 1)));
        return latches.isEmpty()
                ? null
                : new String(
                        fixture.admin.getData().forPath(FailoverFixture.LAYOUT.leader() + "/" + latches.get(0)),
                        StandardCharsets.UTF_8);
    }

    private static void signal(Process process, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                .inheritIO()
                .start();
        assertEquals(0, kill.waitFor(), "kill -" + signal);
    }
}

package org.redisfailover.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisfailover.monitor.Monitor;
import org.redisfailover.monitor.SwitchHistory;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.SwitchEvent;
import org.redisfailover.protocol.topology.SyncSet;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.protocol.topology.TopologyJson;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;

/**
 * Every fault heals to a master: the states a failover can be left in by monitors that paused, restarted or
 * were interrupted, by a master that was only slow, or by a replica that restarted from an older snapshot, each
 * met by real monitors (fixture settings: probes every 100 ms, a refused port down after 3, silence after 1 s).
 */
@ExtendWith(RedisGroup.class)
class FailoverLivenessIT {

    private TestingServer zooKeeper;
    private FailoverFixture fixture;

    @BeforeEach
    void start(RedisGroup group) throws Exception {
        zooKeeper = new TestingServer(true);
        fixture = new FailoverFixture(group, zooKeeper.getConnectString());
    }

    @AfterEach
    void stop(RedisGroup group) throws Exception {
        group.all().forEach(node -> {
            if (node.isAlive()) {
                node.resume();
            }
        });
        fixture.close();
        zooKeeper.close();
    }

    /** Monitors that start (or resume) long after the master died judge the replicas' links on what was seen, not on when they started. */
    @Test
    void monitorsThatDidNotSeeTheMasterDieStillFailOver(RedisGroup group) throws Exception {
        Monitor first = fixture.startMonitor("m1");
        fixture.awaitSeeded();
        first.close();
        NodeAddress old = group.master().address();
        group.master().kill();
        // Past Sentinel's freshness limit as a monitor that started now would reckon it (10 x 300 ms down-after, plus
        // the
        // time since its own verdict): the replicas' links have been down longer than that since before it started.
        Poll.until(
                Duration.ofSeconds(15),
                "the replicas to report their link down for 5 s",
                () -> group.replicas().stream().allMatch(replica -> linkDownSeconds(replica) >= 5));
        fixture.startMonitor("m2");
        fixture.startMonitor("m3");
        Topology after = fixture.awaitNewMaster(old, Duration.ofSeconds(15));
        assertTrue(group.replicas().stream().anyMatch(r -> r.address().equals(after.master())));
    }

    /**
     * A leader stopped between REPLICAOF NO ONE and the topology's write: the next one adopts the node it promoted (a
     * master, not in the topology, holding the old history as its previous one). In safe mode that node must count,
     * or the group waits for it forever.
     */
    @Test
    void aPromotionInterruptedBeforeItsTopologyWriteIsAdopted(RedisGroup group) throws Exception {
        Monitor first = fixture.startSafeModeMonitor("m1", 1);
        fixture.awaitSeeded();
        awaitSyncSetMembers(2);
        first.close();
        try (Jedis master = group.master().client()) {
            master.set("adopt:key", "v");
        }
        group.replicas().forEach(replica -> replica.awaitReplicationFrom(group.master()));
        NodeAddress old = group.master().address();
        group.master().kill();
        // What the stopped leader left: the no-master epoch written, and one replica promoted.
        Topology serving = fixture.topology();
        fixture.admin
                .setData()
                .forPath(
                        FailoverFixture.LAYOUT.topology(),
                        TopologyJson.encode(serving.switching(Topology.Phase.FAILOVER)));
        RedisProcess halfPromoted = group.replicas().get(0);
        try (Jedis jedis = halfPromoted.client()) {
            jedis.replicaofNoOne();
        }
        fixture.startSafeModeMonitor("m2", 1);
        fixture.startSafeModeMonitor("m3", 1);
        Topology after = fixture.awaitNewMaster(old, Duration.ofSeconds(20));
        assertTrue(
                group.replicas().stream().anyMatch(r -> r.address().equals(after.master())),
                "a replica serves: " + after);
        try (Jedis promoted = new Jedis(after.master().host(), after.master().port(), 2000)) {
            assertEquals("v", promoted.get("adopt:key"));
        }
    }

    /**
     * Safe mode with one replica down, and the master stalled longer than the monitors' patience: the failover must wait
     * for the missing replica, but the master comes back as the same process with every write, so it stays master.
     */
    @Test
    void aStalledMasterThatComesBackBeforeAPromotionStaysMaster(RedisGroup group) throws Exception {
        startSafeModeGroup();
        long seededEpoch = fixture.topology().epoch();
        NodeAddress master = group.master().address();
        RedisProcess away = group.replicas().get(1);
        away.pause();
        group.master().pause();
        fixture.awaitEventDetail("safe mode (min-replica-acks 1)", Duration.ofSeconds(15));
        assertNull(fixture.topology().master(), "the failover waits for the replica that is away");
        group.master().resume();
        Poll.until(Duration.ofSeconds(15), "the old master to serve again", () -> {
            Topology now = topologyOrNull();
            return now != null && master.equals(now.master()) && now.epoch() > seededEpoch + 1;
        });
        // The leader records the event just after it writes the topology: poll for it too.
        fixture.awaitEventDetail("same process", Duration.ofSeconds(5));
        SwitchEvent aborted = events().stream()
                .filter(e -> "aborted".equals(e.outcome()))
                .findFirst()
                .orElseThrow();
        assertTrue(aborted.detail().contains("same process"), aborted.detail());
        assertEquals("failover", aborted.kind());
    }

    /** A stall shorter than the slow bound (1 s here; three failed probes took 0.8 s before) is no failure: a slow node is not a dead one. */
    @Test
    void aStallShorterThanTheSlowBoundCausesNoFailover(RedisGroup group) throws Exception {
        fixture.startMonitor("m1");
        fixture.startMonitor("m2");
        fixture.awaitSeeded();
        long epoch = fixture.topology().epoch();
        group.master().pause();
        Thread.sleep(900); // the stall itself: how long the master answers nothing
        group.master().resume();
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (System.nanoTime() < deadline) {
            assertEquals(epoch, fixture.topology().epoch(), "the topology did not change");
            Thread.sleep(50); // watching for a change that must not come, for a bounded time
        }
        assertTrue(events().stream().noneMatch(e -> "failover".equals(e.kind())), "no failover: " + events());
    }

    /**
     * While a safe-mode failover waits, the old master restarts without its data: the replicas that followed it must not
     * sync from it (they were detached), so the group later fails over with the data intact.
     */
    @Test
    void aMasterRestartedEmptyWhileTheGroupWaitsWipesNoReplica(RedisGroup group) throws Exception {
        startSafeModeGroup();
        try (Jedis master = group.master().client()) {
            master.set("kept:key", "v");
        }
        group.replicas().forEach(replica -> replica.awaitReplicationFrom(group.master()));
        NodeAddress old = group.master().address();
        RedisProcess away = group.replicas().get(1);
        away.pause();
        group.master().kill();
        fixture.awaitEventDetail("safe mode (min-replica-acks 1)", Duration.ofSeconds(15));
        RedisProcess answering = group.replicas().get(0);
        Poll.until(Duration.ofSeconds(10), "the replica that answers to stop following the dead master", () -> {
            try (Jedis jedis = answering.client()) {
                return jedis.info("replication").contains("master_port:" + answering.port() + "\r\n");
            }
        });
        group.master().restart(); // no persistence: an empty master, at the old address
        away.resume();
        Topology after = fixture.awaitNewMaster(old, Duration.ofSeconds(30));
        try (Jedis promoted = new Jedis(after.master().host(), after.master().port(), 2000)) {
            assertEquals("v", promoted.get("kept:key"), "nobody synced from the empty master");
        }
    }

    /**
     * A replica that crashed with the master and came back from an older snapshot answers on the old history, but may
     * hold less than it acknowledged: the failover does not count it. The operator can give up on it
     * ({@code forget-replica --accept-loss}); without --accept-loss that is refused, saying what it would lose.
     */
    @Test
    void aReplicaRestartedFromAnOlderSnapshotIsNotCountedUntilForgotten(RedisGroup group) throws Exception {
        startSafeModeGroup();
        Poll.until(
                Duration.ofSeconds(10),
                "the sync set to record both replicas' processes",
                () -> syncSet().runIds().size() == 2);
        RedisProcess crashed = group.replicas().get(0);
        try (Jedis replica = crashed.client();
                Jedis master = group.master().client()) {
            replica.save(); // its snapshot, from before the writes below
            for (int i = 0; i < 100; i++) {
                master.set("after-snapshot:" + i, "v");
            }
        }
        crashed.awaitReplicationFrom(group.master());
        NodeAddress old = group.master().address();
        group.master().kill();
        crashed.kill();
        crashed.restart(); // from its snapshot, still a replica of the dead master: the old history, an older offset
        fixture.awaitEventDetail("restarted as another process", Duration.ofSeconds(20));
        assertNull(fixture.topology().master(), "no promotion counting on what the restarted replica no longer has");
        String zk = zooKeeper.getConnectString();
        String[] forget = {
            "forget-replica",
            "--zk",
            zk,
            "--zk-path",
            FailoverFixture.LAYOUT.root(),
            crashed.address().toString()
        };
        FailoverFixture.CommandResult refused = FailoverFixture.run(forget);
        assertEquals(1, refused.status(), refused.output());
        assertTrue(refused.output().contains("--accept-loss"), refused.output());
        FailoverFixture.CommandResult accepted = FailoverFixture.run(concat(forget, "--accept-loss"));
        assertEquals(0, accepted.status(), accepted.output());
        Topology after = fixture.awaitNewMaster(old, Duration.ofSeconds(20));
        assertEquals(group.replicas().get(1).address(), after.master(), "the other replica, which has every write");
        try (Jedis promoted = group.replicas().get(1).client()) {
            assertEquals("v", promoted.get("after-snapshot:99"));
        }
    }

    private static String[] concat(String[] args, String more) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = more;
        return all;
    }

    private List<SwitchEvent> events() {
        try {
            return SwitchHistory.recent(fixture.admin, FailoverFixture.LAYOUT, 20);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Topology topologyOrNull() {
        try {
            return fixture.topology();
        } catch (Exception e) {
            return null;
        }
    }

    private SyncSet syncSet() {
        try {
            return SyncSet.decode(fixture.admin.getData().forPath(FailoverFixture.LAYOUT.syncSet()));
        } catch (Exception e) {
            return SyncSet.of(new NodeAddress("0.0.0.0", 1), List.of());
        }
    }

    /** Two safe-mode monitors (N = 1), the topology seeded, and both replicas in the sync set. */
    private void startSafeModeGroup() throws Exception {
        fixture.startSafeModeMonitor("m1", 1);
        fixture.startSafeModeMonitor("m2", 1);
        fixture.awaitSeeded();
        awaitSyncSetMembers(2);
    }

    private void awaitSyncSetMembers(int members) {
        Poll.until(
                Duration.ofSeconds(10),
                "the sync set to list " + members + " replicas",
                () -> syncSet().members().size() == members);
    }

    private static long linkDownSeconds(RedisProcess replica) {
        try (Jedis jedis = replica.client()) {
            for (String line : jedis.info("replication").split("\r\n")) {
                if (line.startsWith("master_link_down_since_seconds:")) {
                    return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                }
            }
        }
        return -1;
    }
}

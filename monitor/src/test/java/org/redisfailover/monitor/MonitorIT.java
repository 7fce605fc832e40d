package org.redisfailover.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisfailover.protocol.topology.MonitorView;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.SwitchEvent;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.protocol.topology.TopologyJson;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RawClient;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;

/** The monitors alone, against real redis-server processes and a real ZooKeeper: what they do to the group and the topology. */
@ExtendWith(RedisGroup.class)
class MonitorIT {

    private MonitorFixture fixture;

    @BeforeEach
    void start(RedisGroup group) throws Exception {
        fixture = new MonitorFixture(group);
        fixture.startMonitor("m1");
        fixture.startMonitor("m2");
        fixture.awaitSeeded();
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
    }

    private static void awaitReplicated(RedisProcess replica, long keys) {
        Poll.until(Duration.ofSeconds(10), replica.address() + " to have " + keys + " keys", () -> {
            try (Jedis jedis = replica.client()) {
                return jedis.dbSize() == keys;
            }
        });
    }

    @Test
    void aMasterRestartedWithoutItsDataIsFailedOverToTheReplicaThatHasIt(RedisGroup group) throws Exception {
        try (Jedis master = group.master().client()) {
            for (int i = 0; i < 100; i++) {
                master.set("kept:" + i, "v" + i);
            }
        }
        group.replicas().forEach(replica -> awaitReplicated(replica, 100));
        NodeAddress old = group.master().address();
        // Faster than any failure detection: no probe sees it down three times in a row; only its run id tells.
        group.master().kill();
        group.master().restart();

        Topology after = fixture.awaitNewMaster(old, Duration.ofSeconds(10));
        try (Jedis promoted = new Jedis(after.master().host(), after.master().port(), 5_000)) {
            assertEquals(100, promoted.dbSize(), "the new master kept every write the old one had");
        }
        Poll.until(Duration.ofSeconds(5), "the failover to be recorded", () -> {
            try {
                return fixture.events().stream()
                        .anyMatch(
                                e -> e.kind().equals("failover") && e.outcome().equals("done"));
            } catch (Exception e) {
                return false;
            }
        });
        Poll.until(Duration.ofSeconds(15), "the restarted node to be demoted and to resync from the new master", () -> {
            try (Jedis restarted = group.master().client()) {
                return restarted
                                .info("replication")
                                .contains("master_port:" + after.master().port())
                        && restarted.info("replication").contains("master_link_status:up")
                        && restarted.dbSize() == 100;
            }
        });
    }

    @Test
    void aTopologyMasterThatSaysItIsAReplicaIsMadeMasterAgain(RedisGroup group) throws Exception {
        long epoch = fixture.topology().epoch();
        try (Jedis master = group.master().client()) {
            // What a stale leader, frozen mid-promotion and woken later, would do to its successor's master.
            master.replicaof("127.0.0.1", group.replicas().get(0).port());
        }
        Poll.until(Duration.ofSeconds(10), "the master to be master again, at a new epoch", () -> {
            try (Jedis master = group.master().client()) {
                return master.info("replication").contains("role:master")
                        && fixture.topology().epoch() > epoch;
            } catch (Exception e) {
                return false;
            }
        });
        Topology after = fixture.topology();
        assertEquals(group.master().address(), after.master());
        assertTrue(after.epoch() > epoch, "the repair is a new epoch (its replication id changed): " + after);
        Poll.until(Duration.ofSeconds(5), "the repair to be recorded", () -> {
            try {
                return fixture.events().stream().anyMatch(e -> e.kind().equals("repair"));
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    void aLostTopologyIsSeededAgainAboveEveryEpochSeen(RedisGroup group) throws Exception {
        Stat stat = new Stat();
        Topology current = TopologyJson.decode(
                fixture.admin.getData().storingStatIn(stat).forPath(MonitorFixture.LAYOUT.topology()));
        fixture.admin
                .setData()
                .withVersion(stat.getVersion())
                .forPath(
                        MonitorFixture.LAYOUT.topology(),
                        TopologyJson.encode(current.withEpoch(7, current.masterIdentity())));
        Poll.until(Duration.ofSeconds(5), "the monitors to see epoch 7", () -> {
            try {
                return fixture.admin.getChildren().forPath(MonitorFixture.LAYOUT.monitors()).stream()
                        .allMatch(id -> {
                            try {
                                MonitorView view = MonitorView.decode(
                                        fixture.admin.getData().forPath(MonitorFixture.LAYOUT.monitors() + "/" + id));
                                return view != null && view.epoch() == 7;
                            } catch (Exception e) {
                                return false;
                            }
                        });
            } catch (Exception e) {
                return false;
            }
        });
        fixture.admin.delete().forPath(MonitorFixture.LAYOUT.topology());

        Poll.until(Duration.ofSeconds(10), "the topology to be seeded again", () -> {
            try {
                return fixture.admin.checkExists().forPath(MonitorFixture.LAYOUT.topology()) != null;
            } catch (Exception e) {
                return false;
            }
        });
        Topology reseeded = fixture.topology();
        assertTrue(reseeded.epoch() > 7, "epochs never go back (proxies would refuse to follow): " + reseeded);
        assertEquals(group.master().address(), reseeded.master());
    }

    /**
     * A master busy with a runaway script answers BUSY: alive, so not failed over (a failover would leave the script
     * running on a master nobody routes to, and cost the group a promotion for a script). Past slow-down-after, the
     * time a silent master takes to be called down, the monitors send it the SCRIPT KILL its BUSY error names, as
     * Sentinel does.
     */
    @Test
    void aMasterBusyWithAScriptIsNotFailedOverAndItsScriptIsKilled(RedisGroup group) throws Exception {
        Topology before = fixture.topology();
        try (Jedis master = group.master().client()) {
            master.configSet("busy-reply-threshold", "100");
        }
        try (RawClient spinning = new RawClient(group.master().port(), 15_000)) {
            long sentAt = System.nanoTime();
            String killed = spinning.call("EVAL", "while true do end", "0");
            long busyMs = (System.nanoTime() - sentAt) / 1_000_000;
            assertTrue(killed.startsWith("-") && killed.contains("killed"), killed);
            assertTrue(
                    busyMs >= MonitorFixture.SLOW_DOWN_AFTER.toMillis(),
                    "killed only once busy for slow-down-after, not at once: " + busyMs + " ms");
        } finally {
            try (Jedis master = group.master().client()) {
                master.configSet("busy-reply-threshold", "5000");
            }
        }
        Topology after = fixture.topology();
        assertEquals(before.master(), after.master());
        assertEquals(before.epoch(), after.epoch(), "no failover, no new epoch: " + after);
        assertTrue(
                fixture.events().stream().noneMatch(e -> e.kind().equals("failover")),
                "no failover was even begun: " + fixture.events());
    }

    @Test
    void aFrozenReplicaDoesNotSlowTheFailoverToTheOther(RedisGroup group) throws Exception {
        RedisProcess frozen = group.replicas().get(0);
        frozen.pause();
        try {
            Poll.until(Duration.ofSeconds(5), "the frozen replica to be called down", () -> {
                try {
                    return fixture.admin.getChildren().forPath(MonitorFixture.LAYOUT.monitors()).stream()
                            .anyMatch(id -> {
                                try {
                                    MonitorView view = MonitorView.decode(fixture.admin
                                            .getData()
                                            .forPath(MonitorFixture.LAYOUT.monitors() + "/" + id));
                                    return view != null
                                            && view.down()
                                                    .contains(frozen.address().toString());
                                } catch (Exception e) {
                                    return false;
                                }
                            });
                } catch (Exception e) {
                    return false;
                }
            });
            NodeAddress old = group.master().address();
            long killedAt = System.nanoTime();
            group.master().kill();
            Topology after = fixture.awaitNewMaster(old, Duration.ofSeconds(10));
            long tookMs = (System.nanoTime() - killedAt) / 1_000_000;
            assertEquals(group.replicas().get(1).address(), after.master(), "the replica that answers is promoted");
            // Detection is 3 probes of 100 ms; a round that waited for the frozen node's 200 ms probe timeout took 3 x
            // 300 ms
            // before, plus its REPLICAOF and fresh probe timeouts.
            assertTrue(tookMs < 1_000, "a new master " + tookMs + " ms after the kill");
            Poll.until(Duration.ofSeconds(5), "the failover to be recorded", () -> {
                try {
                    return fixture.events().stream()
                            .anyMatch(e ->
                                    e.kind().equals("failover") && e.outcome().equals("done"));
                } catch (Exception e) {
                    return false;
                }
            });
            SwitchEvent event = fixture.events().get(fixture.events().size() - 1);
            assertNotEquals(null, event.totalMs());
            assertTrue(event.totalMs() < 300, "the switch itself waited on nothing frozen: " + event);
            assertEquals(List.of(frozen.address()), after.replicas());
        } finally {
            frozen.resume();
        }
    }
}

package org.redisfailover.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.proxy.server.ProxyServer;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * Automatic failover end to end: real ZooKeeper, a real master and two replicas, two monitors, two
 * proxies, a write load through both proxies, and {@code kill -9} of the master.
 */
@ExtendWith(RedisGroup.class)
class FailoverIT {

    private TestingServer zooKeeper;
    private FailoverFixture fixture;

    @BeforeEach
    void startZooKeeper(RedisGroup group) throws Exception {
        zooKeeper = new TestingServer(true);
        fixture = new FailoverFixture(group, zooKeeper.getConnectString());
    }

    @AfterEach
    void stopAll() throws Exception {
        fixture.close();
        zooKeeper.close();
    }

    private Topology topology() throws Exception {
        return fixture.topology();
    }

    /**
     * What one writer saw: acknowledged writes, writes of unknown outcome, other errors, connections the
     * proxy closed, and the keys acknowledged after the kill (only the new master can have taken those).
     */
    private record WriterOutcome(int acked, int uncertain, int errors, int dropped, List<String> ackedAfterKill) {}

    @Test
    void masterKilledUnderLoadIsReplacedAndTheOldOneRejoinsAsReplica(RedisGroup group) throws Exception {
        fixture.startMonitor("m1");
        fixture.startMonitor("m2");
        fixture.awaitSeeded();
        fixture.startProxy("p1");
        fixture.startProxy("p2");

        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean killed = new AtomicBoolean();
        AtomicInteger ackedTotal = new AtomicInteger();
        ExecutorService writers = Executors.newFixedThreadPool(2);
        List<Future<WriterOutcome>> outcomes = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            int port = fixture.proxies.get(w).boundAddress().port();
            int writer = w;
            outcomes.add(writers.submit(() -> {
                int acked = 0;
                int uncertain = 0;
                int errors = 0;
                int dropped = 0;
                List<String> ackedAfterKill = new ArrayList<>();
                Jedis jedis = new Jedis("127.0.0.1", port, 30_000);
                try {
                    for (int i = 0; !stop.get() && i < 1_000_000; i++) {
                        try {
                            boolean sentAfterKill = killed.get();
                            assertEquals("OK", jedis.set("failover:" + writer + ":" + i, Integer.toString(i)));
                            if (sentAfterKill) {
                                ackedAfterKill.add("failover:" + writer + ":" + i);
                            }
                            acked++;
                            ackedTotal.incrementAndGet();
                        } catch (JedisConnectionException closed) {
                            dropped++;
                            jedis.close();
                            jedis = new Jedis("127.0.0.1", port, 30_000);
                        } catch (redis.clients.jedis.exceptions.JedisDataException error) {
                            // Only the write in flight on the master at the kill may have an unknown outcome.
                            if (String.valueOf(error.getMessage()).startsWith("UNCERTAIN ")) {
                                uncertain++;
                            } else {
                                errors++;
                            }
                        }
                    }
                } finally {
                    jedis.close();
                }
                return new WriterOutcome(acked, uncertain, errors, dropped, ackedAfterKill);
            }));
        }
        try {
            Poll.until(Duration.ofSeconds(10), "writes to flow", () -> ackedTotal.get() > 200);
            NodeAddress oldMaster = group.master().address();
            long epochBefore = topology().epoch();
            group.master().kill();
            killed.set(true);

            Poll.until(Duration.ofSeconds(15), "a replica to be promoted", () -> {
                try {
                    Topology now = topology();
                    return now.master() != null && !now.master().equals(oldMaster);
                } catch (Exception e) {
                    return false;
                }
            });
            Topology after = topology();
            assertTrue(after.epoch() >= epochBefore + 2, "two-phase switch: no-master epoch, then the new master");
            int ackedAtPromotion = ackedTotal.get();
            Poll.until(
                    Duration.ofSeconds(15),
                    "writes to flow to the new master",
                    () -> ackedTotal.get() > ackedAtPromotion + 200);

            group.master().restart();
            Poll.until(Duration.ofSeconds(20), "the old master to rejoin as a replica of the new one", () -> {
                try (Jedis old = group.master().client()) {
                    String info = old.info("replication");
                    return info.contains("role:slave")
                            && info.contains("master_port:" + after.master().port())
                            && topology().replicas().contains(oldMaster);
                } catch (Exception e) {
                    return false;
                }
            });
        } finally {
            stop.set(true);
            writers.shutdown();
        }
        for (Future<WriterOutcome> outcome : outcomes) {
            WriterOutcome result = outcome.get(60, TimeUnit.SECONDS);
            assertEquals(0, result.errors(), "writes during the switch are held, not failed");
            assertEquals(0, result.dropped(), "no client connection is dropped");
            assertTrue(
                    result.uncertain() <= 1,
                    "at most the one write in flight on the dead master is uncertain: " + result);
            assertTrue(
                    result.ackedAfterKill().size() > 100,
                    "writes were acknowledged after the kill: "
                            + result.ackedAfterKill().size());
            // No proxy acknowledged a write from the old master after it died: every later ack is on the new master.
            try (Jedis newMaster = new Jedis("127.0.0.1", topology().master().port(), 5_000)) {
                List<String> values = newMaster.mget(result.ackedAfterKill().toArray(String[]::new));
                long missing = values.stream().filter(java.util.Objects::isNull).count();
                assertEquals(0, missing, "writes acknowledged after the kill but missing on the new master");
            }
        }
        try (Jedis newMaster = new Jedis("127.0.0.1", topology().master().port(), 2_000)) {
            assertEquals("master", newMaster.role().get(0));
        }
        assertNotEquals(group.master().address(), topology().master());
    }

    @Test
    void replicaNobodyConfiguredIsDiscoveredThroughTheMaster(RedisGroup group, @TempDir Path dir) throws Exception {
        fixture.startMonitor("m1");
        fixture.awaitSeeded();
        try (RedisProcess added = RedisProcess.start(dir, group.master())) {
            Poll.until(Duration.ofSeconds(20), "the added replica to join the topology", () -> {
                try {
                    return topology().replicas().contains(added.address());
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }

    @Test
    void pausedMasterIsReplacedNeverRoutedToAgainAndDemotedWhenItResumes(RedisGroup group) throws Exception {
        fixture.startMonitor("m1");
        fixture.startMonitor("m2");
        fixture.awaitSeeded();
        ProxyServer proxy = fixture.startProxy("p1");
        NodeAddress paused = group.master().address();
        try (Jedis client = new Jedis("127.0.0.1", proxy.boundAddress().port(), 30_000)) {
            assertEquals("OK", client.set("pause:before", "1"));
            group.master().pause(); // kill -STOP: the process is alive but answers nothing
            try {
                Poll.until(Duration.ofSeconds(15), "a replica to be promoted while the master is paused", () -> {
                    try {
                        Topology now = topology();
                        return now.master() != null && !now.master().equals(paused);
                    } catch (Exception e) {
                        return false;
                    }
                });
                assertEquals("OK", client.set("pause:during", "2"), "writes go on through the same client connection");
            } finally {
                group.master().resume(); // kill -CONT: it comes back still believing it is master
            }
            NodeAddress newMaster = topology().master();
            Poll.until(Duration.ofSeconds(20), "the resumed node to be demoted to a replica of the new master", () -> {
                try (Jedis resumed = group.master().client()) {
                    String info = resumed.info("replication");
                    return info.contains("role:slave") && info.contains("master_port:" + newMaster.port());
                } catch (Exception e) {
                    return false;
                }
            });
            assertEquals("OK", client.set("pause:after", "3"));
            try (Jedis onNew = new Jedis(newMaster.host(), newMaster.port(), 2_000)) {
                assertEquals("2", onNew.get("pause:during"));
                assertEquals("3", onNew.get("pause:after"));
            }
            Poll.until(Duration.ofSeconds(20), "the old master's copy to catch up from the new master", () -> {
                try (Jedis resumed = group.master().client()) {
                    return "3".equals(resumed.get("pause:after"));
                }
            });
        }
    }
}

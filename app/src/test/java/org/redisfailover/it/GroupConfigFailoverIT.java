package org.redisfailover.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisfailover.protocol.topology.GroupConfig;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;

/**
 * A CONFIG SET made through one proxy is the group's: recorded in ZooKeeper, put back by the monitor on a
 * replica that restarted without it, kept by the replica promoted when the master is killed (seen through
 * the other proxy), and given to the old master when it returns.
 */
@ExtendWith(RedisGroup.class)
class GroupConfigFailoverIT {

    private static final Map<String, String> SETTINGS =
            Map.of("maxmemory-policy", "allkeys-lfu", "hash-max-listpack-entries", "21");

    private TestingServer zooKeeper;
    private FailoverFixture fixture;

    @BeforeEach
    void start(RedisGroup group) throws Exception {
        zooKeeper = new TestingServer(true);
        fixture = new FailoverFixture(group, zooKeeper.getConnectString());
    }

    @AfterEach
    void stop(RedisGroup group) throws Exception {
        fixture.close();
        zooKeeper.close();
        for (RedisProcess node : group.all()) {
            try (Jedis jedis = node.client()) {
                jedis.configSet("maxmemory-policy", "noeviction", "hash-max-listpack-entries", "128");
            }
        }
    }

    private static boolean hasTheSettings(RedisProcess node) {
        try (Jedis jedis = node.client()) {
            return SETTINGS.entrySet().stream()
                    .allMatch(
                            e -> e.getValue().equals(jedis.configGet(e.getKey()).get(e.getKey())));
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void aSettingMadeThroughOneProxySurvivesRestartsAndAKillDashNineFailover(RedisGroup group) throws Exception {
        fixture.startMonitor("m1");
        fixture.startMonitor("m2");
        fixture.awaitSeeded();
        int p1 = fixture.startProxy("p1").boundAddress().port();
        int p2 = fixture.startProxy("p2").boundAddress().port();
        Poll.until(Duration.ofSeconds(10), "both proxies to know the master", () -> {
            try (Jedis a = new Jedis("127.0.0.1", p1, 5_000);
                    Jedis b = new Jedis("127.0.0.1", p2, 5_000)) {
                return "OK".equals(a.set("config:ready", "1")) && "OK".equals(b.set("config:ready", "1"));
            } catch (Exception e) {
                return false;
            }
        });

        try (Jedis client = new Jedis("127.0.0.1", p1, 10_000)) {
            assertEquals("OK", client.configSet("maxmemory-policy", "allkeys-lfu", "hash-max-listpack-entries", "21"));
        }
        for (RedisProcess node : group.all()) {
            assertEquals(true, hasTheSettings(node), "applied at once to " + node.address());
        }
        GroupConfig recorded = GroupConfig.decode(fixture.admin.getData().forPath(FailoverFixture.LAYOUT.config()));
        assertEquals(SETTINGS, recorded.parameters());

        RedisProcess replica = group.replicas().get(0);
        replica.kill();
        replica.restart(); // a new process, started from its command line: without the settings
        Poll.until(
                Duration.ofSeconds(20),
                "the monitor to bring the restarted replica to the group's settings",
                () -> hasTheSettings(replica));

        NodeAddress oldMaster = group.master().address();
        group.master().kill();
        Topology after = fixture.awaitNewMaster(oldMaster, Duration.ofSeconds(20));
        try (Jedis client = new Jedis("127.0.0.1", p2, 10_000)) {
            Poll.until(Duration.ofSeconds(15), "the other proxy to follow the new master", () -> {
                try {
                    return "OK".equals(client.set("config:after", "1"));
                } catch (Exception e) {
                    return false;
                }
            });
            assertEquals(
                    "allkeys-lfu",
                    client.configGet("maxmemory-policy").get("maxmemory-policy"),
                    "promoted " + after.master());
            assertEquals("21", client.configGet("hash-max-listpack-entries").get("hash-max-listpack-entries"));
        }

        group.master().restart();
        Poll.until(
                Duration.ofSeconds(20),
                "the returning old master to get the group's settings",
                () -> hasTheSettings(group.master()));
    }
}

package org.redisfailover.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.redisfailover.monitor.SwitchHistory;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;

/**
 * A whole group power-cycled with AOF (every node killed and restarted): Redis 7.0 gives a node that loads its
 * append-only file a new replication id, so no node carries the recorded history and no replica can be promoted.
 * The documented rule brings the group back: the master serves again from its own file once every replica answers.
 */
class PowerCycleIT {

    @RegisterExtension
    static final RedisGroup GROUP = RedisGroup.withArgs("--appendonly", "yes");

    private TestingServer zooKeeper;
    private FailoverFixture fixture;

    @BeforeEach
    void start() throws Exception {
        zooKeeper = new TestingServer(true);
        fixture = new FailoverFixture(GROUP, zooKeeper.getConnectString());
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
        zooKeeper.close();
    }

    @Test
    void theMasterComesBackFromItsAppendOnlyFile() throws Exception {
        fixture.startMonitor("m1");
        fixture.startMonitor("m2");
        fixture.awaitSeeded();
        try (Jedis master = GROUP.master().client()) {
            for (int i = 0; i < 50; i++) {
                master.set("aof:" + i, "v");
            }
        }
        GROUP.replicas().forEach(replica -> replica.awaitReplicationFrom(GROUP.master()));
        String runIdBefore = fixture.topology().masterIdentity().runId();
        for (RedisProcess node : GROUP.all()) {
            node.kill();
        }
        for (RedisProcess node : GROUP.all()) {
            node.restart();
        }
        Poll.until(Duration.ofSeconds(30), "the master to serve again as its new process", () -> {
            try {
                Topology now = fixture.topology();
                return GROUP.master().address().equals(now.master())
                        && !runIdBefore.equals(now.masterIdentity().runId());
            } catch (Exception e) {
                return false;
            }
        });
        try (Jedis master = GROUP.master().client()) {
            assertEquals(50, master.keys("aof:*").size(), "what its file had");
        }
        assertTrue(
                SwitchHistory.recent(fixture.admin, FailoverFixture.LAYOUT, 20).stream()
                        .noneMatch(e -> "done".equals(e.outcome()) && "failover".equals(e.kind())),
                "no replica was promoted");
    }
}

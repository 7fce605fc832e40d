package org.redisfailover.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisfailover.protocol.topology.SyncSet;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;

/**
 * {@code redis-failover forget-replica} while the master serves, in safe mode: a replica lost for good leaves the
 * topology and the sync set, losing nothing; one that still answers with the group's history is refused.
 */
@ExtendWith(RedisGroup.class)
class ForgetReplicaIT {

    private TestingServer zooKeeper;
    private FailoverFixture fixture;

    @BeforeEach
    void start(RedisGroup group) throws Exception {
        zooKeeper = new TestingServer(true);
        fixture = new FailoverFixture(group, zooKeeper.getConnectString());
        fixture.startSafeModeMonitor("m1", 1);
        fixture.startSafeModeMonitor("m2", 1);
        fixture.awaitSeeded();
        Poll.until(
                Duration.ofSeconds(10),
                "both replicas in the sync set",
                () -> syncSet().members().size() == 2);
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
        zooKeeper.close();
    }

    @Test
    void aReplicaThatAnswersIsNotLost(RedisGroup group) {
        String replica = group.replicas().get(0).address().toString();
        FailoverFixture.CommandResult refused = forget(replica);
        assertEquals(1, refused.status(), refused.output());
        assertTrue(refused.output().contains("answers, with the group's history"), refused.output());
        assertTrue(syncSet().members().contains(replica), "still counted on");
    }

    @Test
    void aReplicaLostForGoodLeavesTheTopologyAndTheSyncSetWhileTheMasterServes(RedisGroup group) throws Exception {
        RedisProcess lost = group.replicas().get(1);
        try (Jedis master = group.master().client()) {
            master.set("forget:key", "v");
        }
        lost.kill();
        Poll.until(Duration.ofSeconds(15), "the master to stop listing the lost replica", () -> {
            try (Jedis master = group.master().client()) {
                return !master.info("replication").contains("port=" + lost.port() + ",");
            }
        });
        FailoverFixture.CommandResult forgotten = forget(lost.address().toString());
        assertEquals(0, forgotten.status(), forgotten.output());
        assertTrue(forgotten.output().contains("nothing lost"), forgotten.output());
        assertFalse(
                fixture.topology().replicas().contains(lost.address()), "out of the topology: " + fixture.topology());
        assertFalse(syncSet().members().contains(lost.address().toString()), "out of the sync set: " + syncSet());
        assertEquals(group.master().address(), fixture.topology().master(), "the master serves on");
    }

    private FailoverFixture.CommandResult forget(String replica) {
        return FailoverFixture.run(
                "forget-replica",
                "--zk",
                zooKeeper.getConnectString(),
                "--zk-path",
                FailoverFixture.LAYOUT.root(),
                replica);
    }

    private SyncSet syncSet() {
        try {
            return SyncSet.decode(fixture.admin.getData().forPath(FailoverFixture.LAYOUT.syncSet()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

package org.redisfailover.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.SyncSet;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;

/**
 * Safe mode's sync set in ZooKeeper: a replica attached to the master by hand, which nobody configured and
 * the topology does not list, may still have acknowledged writes (WAIT counts every attached replica), so
 * the monitors record it and a failover counts on it. Here it is frozen, so it never answers a probe and
 * never joins the topology; with the topology's replicas alone (the rule before the sync set) the failover
 * would promote without it.
 */
@ExtendWith(RedisGroup.class)
class SafeModeSyncSetIT {

    private TestingServer zooKeeper;
    private FailoverFixture fixture;
    private RedisProcess byHand;

    @BeforeEach
    void start(RedisGroup group) throws Exception {
        zooKeeper = new TestingServer(true);
        fixture = new FailoverFixture(group, zooKeeper.getConnectString());
    }

    @AfterEach
    void stop() throws Exception {
        if (byHand != null) {
            byHand.close();
        }
        fixture.close();
        zooKeeper.close();
    }

    @Test
    void aReplicaAttachedByHandIsCountedByTheFailoverThoughTheTopologyNeverListedIt(RedisGroup group, @TempDir Path dir)
            throws Exception {
        byHand = RedisProcess.start(dir, group.master());
        byHand.awaitReplicationFrom(group.master());
        byHand.pause(); // the master lists it as attached until its repl-timeout (60 s)
        fixture.startSafeModeMonitor("m1", 1);
        fixture.startSafeModeMonitor("m2", 1);
        fixture.awaitSeeded();
        NodeAddress oldMaster = group.master().address();
        Poll.until(Duration.ofSeconds(30), "the sync set to list the replica attached by hand", () -> {
            SyncSet set = syncSet();
            return set != null && set.isOf(oldMaster) && set.replicas().contains(byHand.address());
        });
        assertFalse(
                fixture.topology().replicas().contains(byHand.address()), "a frozen replica never joins the topology");

        group.master().kill();
        fixture.awaitEventDetail("2 of the 3 replicas", Duration.ofSeconds(30));
        assertNull(
                fixture.topology().master(), "no master while a replica that may hold an acknowledged write is away");

        byHand.resume();
        fixture.awaitNewMaster(oldMaster, Duration.ofSeconds(30));
        Topology promoted = fixture.topology();
        assertTrue(
                promoted.replicas().contains(byHand.address())
                        || byHand.address().equals(promoted.master()),
                "the replica attached by hand belongs to the new master's group: " + promoted);
        Poll.until(Duration.ofSeconds(30), "the sync set to start again for the new master", () -> {
            SyncSet set = syncSet();
            return set != null && set.isOf(promoted.master());
        });
    }

    /** The sync set as stored, or null while there is none. */
    private SyncSet syncSet() {
        try {
            if (fixture.admin.checkExists().forPath(FailoverFixture.LAYOUT.syncSet()) == null) {
                return null;
            }
            return SyncSet.decode(fixture.admin.getData().forPath(FailoverFixture.LAYOUT.syncSet()));
        } catch (Exception e) {
            return null;
        }
    }
}

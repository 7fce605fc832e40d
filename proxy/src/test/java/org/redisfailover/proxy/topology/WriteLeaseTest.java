package org.redisfailover.proxy.topology;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;

/** The two write leases, on the clock: what renews them, from when, and what they apply to. */
class WriteLeaseTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final NodeAddress MASTER = NodeAddress.parse("10.0.0.1:6379");
    private static final NodeAddress OTHER = NodeAddress.parse("10.0.0.2:6379");

    @Test
    void theZooKeeperLeaseRunsFromTheSendTimeOfTheLastAnsweredConfirmation() {
        WriteLease lease = new WriteLease(3 * SECOND, 0);
        long now = System.nanoTime();
        assertFalse(lease.confirmed(now), "nothing confirmed yet");
        // Answered now, but sent 2.5 s ago (a slow answer): only half a second is left.
        assertTrue(lease.confirm(now - 2_500_000_000L), "the first confirmation lifts the lapsed lease");
        assertTrue(lease.confirmed(now));
        assertFalse(lease.confirmed(now + SECOND), "lapsed 3 s after the send time, not after the answer");
        lease.confirm(now - 5 * SECOND); // an older round answered late renews nothing
        assertFalse(lease.confirmed(now + SECOND));
    }

    @Test
    void theReplicationLeaseAppliesOnlyWithReplicasAndToTheMasterItWasRenewedFor() {
        WriteLease lease = new WriteLease(3 * SECOND, SECOND);
        lease.confirm(System.nanoTime());
        lease.guard(new Topology(1, MASTER, List.of()));
        assertNull(lease.guardedMaster(), "a lone master has no replica to wait for");
        lease.guard(new Topology(2, MASTER, List.of(OTHER)));
        long now = System.nanoTime();
        assertTrue(lease.writable(now), "a new master starts with a full lease");
        assertFalse(lease.writable(now + 2 * SECOND), "no replica acknowledged within the guard");
        assertFalse(lease.replicated(OTHER, now + SECOND), "an acknowledgement for another master renews nothing");
        lease.replicated(MASTER, now + SECOND);
        lease.confirm(now + SECOND);
        assertTrue(lease.writable(now + SECOND + SECOND / 2));
        lease.replicationUnknown(MASTER);
        assertFalse(lease.writable(System.nanoTime()), "the guard's connection broke: nothing is known to replicate");
    }

    /**
     * A proxy cut off from ZooKeeper together with its master and one of the replicas: the replica still acknowledges the
     * master's replication, so only ZooKeeper can stop the writes, and it does after the guard's length, not the fence's.
     */
    @Test
    void writesStopAfterTheGuardWithoutZooKeeperAndTheProxyFencesAfterTheFenceTimeout() {
        WriteLease lease = new WriteLease(3 * SECOND, SECOND);
        long now = System.nanoTime();
        lease.confirm(now);
        lease.guard(new Topology(1, MASTER, List.of(OTHER)));
        lease.replicated(MASTER, now + 2 * SECOND); // a replica on the master's side goes on acknowledging
        assertTrue(lease.writable(now + SECOND / 2));
        assertFalse(lease.writable(now + SECOND + SECOND / 2), "no ZooKeeper confirmation for 1.5 s: writes wait");
        assertFalse(lease.confirmedForWrites(now + SECOND + SECOND / 2), "and their replies are not acknowledged");
        assertTrue(
                lease.confirmed(now + SECOND + SECOND / 2), "not fenced yet: the monitors wait the fence timeout, 3 s");
        assertFalse(lease.confirmed(now + 3 * SECOND));
        WriteLease unguarded = new WriteLease(3 * SECOND, 0);
        unguarded.confirm(now);
        assertTrue(unguarded.confirmedForWrites(now + 2 * SECOND), "with the guard off, writes go on until the fence");
    }

    /**
     * A ZooKeeper pause longer than the write lease but shorter than the fence (a reconnect to another member of the
     * ensemble): the confirmation that ends it says the lease was lifted, so the loops release the writes they held.
     * It said so only for the fence's lease, and writes held in such a pause waited out the hold timeout and failed.
     */
    @Test
    void aConfirmationAfterTheWriteLeaseLapsedLiftsItBeforeTheFence() {
        WriteLease lease = new WriteLease(3 * SECOND, SECOND);
        long now = System.nanoTime();
        lease.confirm(now - 2 * SECOND); // the last round answered was sent 2 s ago: writes wait, no fence yet
        assertFalse(lease.confirmedForWrites(now));
        assertTrue(lease.confirmed(now));
        assertTrue(lease.confirm(now), "the write lease holds again: held writes go");
        assertFalse(lease.confirm(now), "nothing was lapsed");
    }

    /** With every replica down for the leader no failover is possible: the guard would only stop the group. */
    @Test
    void theGuardWaitsOnlyWhileTheLeaderReachesAReplica() {
        WriteLease lease = new WriteLease(3 * SECOND, SECOND);
        lease.confirm(System.nanoTime());
        lease.guard(new Topology(3, MASTER, List.of(OTHER), Topology.Phase.SERVING, null, null, List.of(OTHER)));
        assertNull(lease.guardedMaster(), "its one replica is unreachable: writes go on");
        lease.guard(new Topology(4, MASTER, List.of(OTHER), Topology.Phase.SERVING, null, null, List.of()));
        assertTrue(
                lease.guardedMaster() != null,
                "the replica is back: the guard holds writes a cut-off master could take");
    }

    @Test
    void aProxyWithAFixedMasterHasNoLeases() {
        WriteLease lease = WriteLease.none();
        lease.guard(new Topology(1, MASTER, List.of(OTHER)));
        assertTrue(lease.writable(System.nanoTime() + 100 * SECOND));
        assertFalse(lease.followsZooKeeper());
    }
}

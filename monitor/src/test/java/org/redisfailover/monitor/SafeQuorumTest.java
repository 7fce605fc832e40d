package org.redisfailover.monitor;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.redisfailover.protocol.topology.NodeAddress;

class SafeQuorumTest {

    private static final NodeAddress A = new NodeAddress("10.0.0.1", 6379);
    private static final NodeAddress B = new NodeAddress("10.0.0.2", 6379);
    private static final NodeAddress C = new NodeAddress("10.0.0.3", 6379);
    private static final NodeAddress D = new NodeAddress("10.0.0.4", 6379);
    private static final String REPLID = "a".repeat(40);

    private static NodeStatus replica(NodeAddress address, long offset, String replid) {
        return TestStatus.replica(address, null)
                .linkDown(3)
                .offset(offset)
                .replid(replid)
                .build();
    }

    private static SyncMembers members(NodeAddress... nodes) {
        return SyncMembers.anyProcess(List.of(nodes));
    }

    @Test
    void withOneAckOfTwoReplicasBothMustBeReachable() {
        Map<NodeAddress, NodeStatus> statuses =
                new HashMap<>(Map.of(A, replica(A, 100, REPLID), B, replica(B, 90, REPLID)));
        assertNull(
                SafeQuorum.refusal(members(A, B), statuses, REPLID, 1, A, 100),
                "both reachable: the higher one has every write");
        statuses.remove(B);
        String refusal = SafeQuorum.refusal(members(A, B), statuses, REPLID, 1, A, 100);
        assertTrue(
                refusal != null && refusal.contains("1 of the 2 replicas"),
                "B alone may have had the last acknowledged write: " + refusal);
    }

    @Test
    void withTwoAcksOfFourReplicasThreeAreEnough() {
        Map<NodeAddress, NodeStatus> statuses =
                Map.of(A, replica(A, 100, REPLID), B, replica(B, 95, REPLID), C, replica(C, 80, REPLID));
        assertNull(SafeQuorum.refusal(members(A, B, C, D), statuses, REPLID, 2, A, 100));
        Map<NodeAddress, NodeStatus> two = Map.of(A, replica(A, 100, REPLID), B, replica(B, 95, REPLID));
        assertTrue(
                SafeQuorum.refusal(members(A, B, C, D), two, REPLID, 2, A, 100).contains("3 needed"));
    }

    @Test
    void aReplicaOnAnotherHistoryDoesNotCountAndTheBestMustBeTheOnePromoted() {
        Map<NodeAddress, NodeStatus> statuses = Map.of(A, replica(A, 100, REPLID), B, replica(B, 500, "b".repeat(40)));
        assertTrue(
                SafeQuorum.refusal(members(A, B), statuses, REPLID, 1, A, 100) != null,
                "B restarted empty: it proves nothing");
        Map<NodeAddress, NodeStatus> both = Map.of(A, replica(A, 100, REPLID), B, replica(B, 120, REPLID));
        assertTrue(
                SafeQuorum.refusal(members(A, B), both, REPLID, 1, A, 100).contains("offset 120"),
                "promoting A would lose what only B has");
        assertNull(
                SafeQuorum.refusal(members(A, B), both, REPLID, 0, A, 100), "asynchronous mode: the old rules alone");
    }

    @Test
    void aMemberThatRestartedCountsOnlyOnceCaughtUp() {
        // A restarted from an older snapshot: it answers on the old history, with an offset that is true of its data,
        // but
        // it may have acknowledged writes its snapshot lacks. It counts as unreachable until S records its new process.
        Map<NodeAddress, NodeStatus> statuses = Map.of(
                A,
                TestStatus.replica(A, null)
                        .offset(80)
                        .replid(REPLID)
                        .runId("new-a")
                        .build(),
                B,
                replica(B, 90, REPLID));
        SyncMembers recorded = new SyncMembers(List.of(A, B), Map.of(A, "old-a"));
        String refusal = SafeQuorum.refusal(recorded, statuses, REPLID, 1, B, 90);
        assertTrue(refusal != null && refusal.contains("restarted as another process"), refusal);
        assertTrue(refusal.contains("forget-replica"), "the refusal says what would unblock it: " + refusal);
        assertNull(SafeQuorum.refusal(new SyncMembers(List.of(A, B), Map.of(A, "new-a")), statuses, REPLID, 1, B, 90));
    }

    @Test
    void aMemberPromotedFromTheHistoryByAnUnfinishedSwitchCounts() {
        // A previous leader's REPLICAOF NO ONE reached A: it is a master now, but holds the old history up to 100.
        NodeStatus promoted = TestStatus.master(A)
                .replid("b".repeat(40))
                .leftHistory(REPLID, 100)
                .offset(140)
                .build();
        Map<NodeAddress, NodeStatus> statuses = Map.of(A, promoted, B, replica(B, 90, REPLID));
        assertNull(
                SafeQuorum.refusal(members(A, B), statuses, REPLID, 1, A, 100),
                "both count; A has the most of the history");
        assertTrue(SafeQuorum.refusal(members(A, B), statuses, REPLID, 1, B, 90).contains("offset 100"));
    }
}

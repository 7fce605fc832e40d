package org.redisfailover.monitor;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.NodeIdentity;

class OldMasterReturnTest {

    private static final NodeAddress M = NodeAddress.parse("10.0.0.1:6379");
    private static final NodeAddress R1 = NodeAddress.parse("10.0.0.2:6379");
    private static final NodeAddress R2 = NodeAddress.parse("10.0.0.3:6379");
    private static final NodeIdentity RECORDED = new NodeIdentity("run-m", "a");

    @Test
    void theSameProcessOnItsHistoryComesBack() {
        NodeStatus back =
                TestStatus.master(M).runId("run-m").replid("a").offset(500).build();
        List<NodeStatus> others = List.of(TestStatus.replica(R1, M).offset(480).build(), back);
        assertNotNull(
                OldMasterReturn.sameProcess(RECORDED, back, "a", others), "stalled, not dead: it has every write");
        NodeStatus restarted =
                TestStatus.master(M).runId("run-m2").replid("a").offset(500).build();
        assertNull(
                OldMasterReturn.sameProcess(RECORDED, restarted, "a", others),
                "another process: it may lack what it acknowledged");
        NodeStatus newHistory =
                TestStatus.master(M).runId("run-m").replid("z").offset(500).build();
        assertNull(OldMasterReturn.sameProcess(RECORDED, newHistory, "a", others));
        NodeStatus demoted =
                TestStatus.replica(M, R1).runId("run-m").replid("a").offset(500).build();
        assertNull(OldMasterReturn.sameProcess(RECORDED, demoted, "a", others), "not a master any more");
        List<NodeStatus> ahead = List.of(TestStatus.replica(R1, M).offset(600).build());
        assertNull(OldMasterReturn.sameProcess(RECORDED, back, "a", ahead), "never behind a replica");
        assertNull(OldMasterReturn.sameProcess(RECORDED, null, "a", others));
    }

    @Test
    void afterAPowerCycleTheMastersAppendOnlyFileIsTheBestCopy() {
        NodeStatus fromAof = TestStatus.master(M)
                .runId("run-m2")
                .replid("new")
                .offset(0)
                .fromAof(50)
                .build();
        Map<NodeAddress, NodeStatus> restartedToo = Map.of(
                R1,
                TestStatus.replica(R1, M).replid("x").offset(1).build(),
                R2,
                TestStatus.replica(R2, M).replid("y").offset(1).build());
        String why = OldMasterReturn.fromPersistence(RECORDED, fromAof, "a", List.of(R1, R2), restartedToo);
        assertTrue(why != null && why.contains("append-only file") && why.contains("50 keys"), why);
        Map<NodeAddress, NodeStatus> oneKeptIt = Map.of(
                R1,
                TestStatus.replica(R1, M).replid("a").offset(90).build(),
                R2,
                TestStatus.replica(R2, M).replid("y").offset(1).build());
        assertNull(
                OldMasterReturn.fromPersistence(RECORDED, fromAof, "a", List.of(R1, R2), oneKeptIt),
                "a replica has the history");
        Map<NodeAddress, NodeStatus> oneSilent =
                Map.of(R1, TestStatus.replica(R1, M).replid("x").offset(1).build());
        assertNull(
                OldMasterReturn.fromPersistence(RECORDED, fromAof, "a", List.of(R1, R2), oneSilent),
                "R2 has not answered: it may still hold the history");
        NodeStatus empty = TestStatus.master(M)
                .runId("run-m2")
                .replid("new")
                .offset(0)
                .fromAof(0)
                .build();
        assertNull(
                OldMasterReturn.fromPersistence(RECORDED, empty, "a", List.of(R1, R2), restartedToo),
                "restarted empty");
        NodeStatus noAof =
                TestStatus.master(M).runId("run-m2").replid("new").offset(0).build();
        assertNull(OldMasterReturn.fromPersistence(RECORDED, noAof, "a", List.of(R1, R2), restartedToo));
    }
}

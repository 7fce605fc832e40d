package org.redisfailover.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.redisfailover.protocol.topology.NodeAddress;

class PromotionCandidatesTest {

    private static final NodeAddress MASTER = NodeAddress.parse("10.0.0.1:6379");
    private static final NodeAddress R1 = NodeAddress.parse("10.0.0.2:6379");
    private static final NodeAddress R2 = NodeAddress.parse("10.0.0.3:6379");
    private static final NodeAddress R3 = NodeAddress.parse("10.0.0.4:6379");
    private static final List<NodeAddress> REPLICAS = List.of(R1, R2, R3);

    private static NodeStatus replica(NodeAddress node, long offset, String replid, int priority, boolean linkUp) {
        return replica(node, offset, replid, null, priority, linkUp ? -1 : 1);
    }

    private static NodeStatus replica(
            NodeAddress node, long offset, String replid, String replid2, int priority, long linkDownSeconds) {
        TestStatus status = TestStatus.replica(node, MASTER)
                .offset(offset)
                .replid(replid)
                .priority(priority)
                .linkDown(linkDownSeconds);
        return (replid2 == null ? status : status.leftHistory(replid2, offset)).build();
    }

    private static Map<NodeAddress, NodeStatus> statuses(NodeStatus... statuses) {
        Map<NodeAddress, NodeStatus> map = new LinkedHashMap<>();
        for (NodeStatus status : statuses) {
            map.put(status.address(), status);
        }
        return map;
    }

    private static PromotionCandidates.OldMaster failed(String replid, long offset, long maxLag) {
        return PromotionCandidates.OldMaster.failed(MASTER, replid, offset, maxLag, 60);
    }

    @Test
    void highestOffsetWinsAndTiesGoToTheTopologyOrder() {
        var all = statuses(
                replica(R1, 100, "a", 100, false),
                replica(R2, 300, "a", 100, false),
                replica(R3, 300, "a", 100, false));
        assertEquals(
                R2,
                PromotionCandidates.choose(REPLICAS, all, failed("a", 300, -1), null)
                        .node());
    }

    @Test
    void priorityZeroUnreachableAndMastersAreNeverPromoted() {
        var all = statuses(
                replica(R1, 100, "a", 100, false),
                replica(R2, 900, "a", 0, false),
                TestStatus.master(R3).offset(950).replid("a").build());
        assertEquals(
                R1,
                PromotionCandidates.choose(REPLICAS, all, failed("a", 900, -1), null)
                        .node());
        var none = statuses(NodeStatus.unreachable(R1), replica(R2, 900, "a", 0, false));
        PromotionCandidates.Choice choice = PromotionCandidates.choose(REPLICAS, none, failed("a", 900, -1), null);
        assertNull(choice.node());
        assertTrue(
                choice.refusal().contains("unreachable") && choice.refusal().contains("replica-priority 0"),
                choice.refusal());
    }

    @Test
    void offsetsAreComparedOnlyWithinTheMastersReplicationId() {
        // R3 has a higher offset on another history (a replica of some other master once): not comparable.
        var all = statuses(
                replica(R1, 100, "a", 100, false),
                replica(R2, 200, "a", 100, false),
                replica(R3, 5_000, "b", 100, false));
        assertEquals(
                R2,
                PromotionCandidates.choose(REPLICAS, all, failed("a", 200, -1), null)
                        .node());
        // A leader that never saw the master takes the id most replicas share.
        assertEquals(
                R2,
                PromotionCandidates.choose(REPLICAS, all, failed(null, -1, -1), null)
                        .node());
    }

    @Test
    void lagCapRefusesReplicasTooFarBehindTheMastersLastOffset() {
        var all = statuses(replica(R1, 100, "a", 100, false), replica(R2, 400, "a", 100, false));
        assertEquals(
                R2,
                PromotionCandidates.choose(REPLICAS, all, failed("a", 1_000, 600), null)
                        .node());
        PromotionCandidates.Choice capped = PromotionCandidates.choose(REPLICAS, all, failed("a", 1_000, 500), null);
        assertNull(capped.node());
        assertTrue(capped.refusal().contains("more than 500 bytes behind"), capped.refusal());
        assertEquals(
                R1,
                PromotionCandidates.choose(REPLICAS, all, failed("a", 1_000, -1), R1)
                        .node(),
                "no cap: any eligible one");
    }

    @Test
    void switchoverNeedsALiveLinkToTheMasterAndNamesWhyATargetIsRefused() {
        var all = statuses(replica(R1, 100, "a", 100, true), replica(R2, 400, "a", 100, false));
        PromotionCandidates.OldMaster planned = PromotionCandidates.OldMaster.handingOver(MASTER, "a", 400);
        assertEquals(
                R1, PromotionCandidates.choose(REPLICAS, all, planned, null).node());
        PromotionCandidates.Choice refused = PromotionCandidates.choose(REPLICAS, all, planned, R2);
        assertTrue(
                refused.refusal().contains("not in sync") && refused.refusal().contains("link down"),
                refused.refusal());
        assertTrue(PromotionCandidates.choose(REPLICAS, all, planned, MASTER)
                .refusal()
                .contains("is the master already"));
        assertTrue(PromotionCandidates.choose(REPLICAS, all, planned, NodeAddress.parse("10.9.9.9:1"))
                .refusal()
                .contains("not a replica in the topology"));
    }

    @Test
    void aReplicaThatRestartedWithoutItsDataIsNoCandidate() {
        // R2 and R3 came back empty, each with a fresh replication id and offset 0. The master's id as the topology
        // recorded it decides: only R1 carries that history.
        var all = statuses(
                replica(R1, 100, "a", 100, false),
                replica(R2, 0, "fresh", 100, false),
                replica(R3, 0, "fresh2", 100, false));
        assertEquals(
                R1,
                PromotionCandidates.choose(REPLICAS, all, failed("a", 100, -1), null)
                        .node());
        var onlyEmpty = statuses(replica(R2, 0, "fresh", 100, false));
        PromotionCandidates.Choice none = PromotionCandidates.choose(REPLICAS, onlyEmpty, failed("a", 100, -1), null);
        assertNull(none.node());
        assertTrue(none.refusal().contains("restarted without its data"), none.refusal());
    }

    @Test
    void aReplicaWhoseLinkWentDownLongBeforeTheMasterIsLeftOut() {
        // Sentinel's rule: R2 lost its master 120 s ago, far more than the limit (60 s here); R1 just now.
        var all = statuses(replica(R1, 100, "a", null, 100, 2), replica(R2, 900, "a", null, 100, 120));
        PromotionCandidates.Choice choice = PromotionCandidates.choose(REPLICAS, all, failed("a", 1_000, -1), null);
        assertEquals(R1, choice.node(), "never a stale replica over a fresh one, whatever its offset says");
        var onlyStale = statuses(replica(R2, 900, "a", null, 100, 120));
        assertTrue(PromotionCandidates.choose(REPLICAS, onlyStale, failed("a", 1_000, -1), null)
                .refusal()
                .contains("down 120 s"));
    }

    @Test
    void aReplicaAlreadyPromotedOnceCarriesTheOldHistoryAsItsPreviousId() {
        // A previous leader stopped after REPLICAOF NO ONE on R1 (new id "b", previous "a") and R1 was re-pointed
        // since:
        // it still carries the master's history, and its offset counts within it.
        var all = statuses(replica(R1, 700, "b", "a", 100, 1), replica(R2, 500, "a", null, 100, 1));
        assertEquals(
                R1,
                PromotionCandidates.choose(REPLICAS, all, failed("a", 700, -1), null)
                        .node());
    }

    @Test
    void aMasterPromotedFromTheOldHistoryByAnUnfinishedSwitchIsAdopted() {
        // A previous leader's REPLICAOF NO ONE reached R1 (history "a" until offset 700, now "b"), then it stopped
        // before
        // writing the new topology. R1 is still the best copy of "a": adopted, at the offset where it left "a" (what it
        // wrote on "b" since, expired keys, is not part of "a").
        var all = statuses(
                TestStatus.master(R1)
                        .replid("b")
                        .leftHistory("a", 700)
                        .offset(760)
                        .build(),
                replica(R2, 650, "a", 100, false));
        PromotionCandidates.Choice choice = PromotionCandidates.choose(REPLICAS, all, failed("a", 700, -1), null);
        assertEquals(R1, choice.node());
        assertEquals(700, choice.offset(), "compared on the old history");
        var ahead = statuses(
                TestStatus.master(R1)
                        .replid("b")
                        .leftHistory("a", 700)
                        .offset(900)
                        .build(),
                replica(R2, 800, "a", 100, false));
        assertEquals(
                R2,
                PromotionCandidates.choose(REPLICAS, ahead, failed("a", 800, -1), null)
                        .node(),
                "R1's own offset (900) is on its new history: R2 holds more of the old one");
        var planned = statuses(TestStatus.master(R1)
                .replid("b")
                .leftHistory("a", 700)
                .offset(700)
                .build());
        assertTrue(
                PromotionCandidates.choose(
                                REPLICAS, planned, PromotionCandidates.OldMaster.handingOver(MASTER, "a", 700), null)
                        .refusal()
                        .contains("a master itself"),
                "a switchover hands over to a replica in sync, never to another master");
        var otherHistory = statuses(TestStatus.master(R1)
                .replid("b")
                .leftHistory("z", 700)
                .offset(700)
                .build());
        assertTrue(PromotionCandidates.choose(REPLICAS, otherHistory, failed("a", 700, -1), null)
                .refusal()
                .contains("a master itself"));
    }
}

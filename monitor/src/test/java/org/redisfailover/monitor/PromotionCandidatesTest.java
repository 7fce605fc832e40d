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
        return new NodeStatus(node, true, false, MASTER, linkUp, offset, replid, priority, List.of());
    }

    private static Map<NodeAddress, NodeStatus> statuses(NodeStatus... statuses) {
        Map<NodeAddress, NodeStatus> map = new LinkedHashMap<>();
        for (NodeStatus status : statuses) {
            map.put(status.address(), status);
        }
        return map;
    }

    private static PromotionCandidates.OldMaster failed(String replid, long offset, long maxLag) {
        return new PromotionCandidates.OldMaster(MASTER, replid, offset, maxLag, false);
    }

    @Test
    void highestOffsetWinsAndTiesGoToTheTopologyOrder() {
        var all = statuses(replica(R1, 100, "a", 100, false), replica(R2, 300, "a", 100, false), replica(R3, 300, "a", 100, false));
        assertEquals(R2, PromotionCandidates.choose(REPLICAS, all, failed("a", 300, -1), null).node());
    }

    @Test
    void priorityZeroUnreachableAndMastersAreNeverPromoted() {
        var all = statuses(replica(R1, 100, "a", 100, false), replica(R2, 900, "a", 0, false),
                new NodeStatus(R3, true, true, null, false, 950, "a", 100, List.of()));
        assertEquals(R1, PromotionCandidates.choose(REPLICAS, all, failed("a", 900, -1), null).node());
        var none = statuses(NodeStatus.unreachable(R1), replica(R2, 900, "a", 0, false));
        PromotionCandidates.Choice choice = PromotionCandidates.choose(REPLICAS, none, failed("a", 900, -1), null);
        assertNull(choice.node());
        assertTrue(choice.refusal().contains("unreachable") && choice.refusal().contains("replica-priority 0"), choice.refusal());
    }

    @Test
    void offsetsAreComparedOnlyWithinTheMastersReplicationId() {
        // R3 has a higher offset on another history (a replica of some other master once): not comparable.
        var all = statuses(replica(R1, 100, "a", 100, false), replica(R2, 200, "a", 100, false), replica(R3, 5_000, "b", 100, false));
        assertEquals(R2, PromotionCandidates.choose(REPLICAS, all, failed("a", 200, -1), null).node());
        // A leader that never saw the master takes the id most replicas share.
        assertEquals(R2, PromotionCandidates.choose(REPLICAS, all, failed(null, -1, -1), null).node());
    }

    @Test
    void lagCapRefusesReplicasTooFarBehindTheMastersLastOffset() {
        var all = statuses(replica(R1, 100, "a", 100, false), replica(R2, 400, "a", 100, false));
        assertEquals(R2, PromotionCandidates.choose(REPLICAS, all, failed("a", 1_000, 600), null).node());
        PromotionCandidates.Choice capped = PromotionCandidates.choose(REPLICAS, all, failed("a", 1_000, 500), null);
        assertNull(capped.node());
        assertTrue(capped.refusal().contains("more than 500 bytes behind"), capped.refusal());
        assertEquals(R1, PromotionCandidates.choose(REPLICAS, all, failed("a", 1_000, -1), R1).node(), "no cap: any eligible one");
    }

    @Test
    void switchoverNeedsALiveLinkToTheMasterAndNamesWhyATargetIsRefused() {
        var all = statuses(replica(R1, 100, "a", 100, true), replica(R2, 400, "a", 100, false));
        PromotionCandidates.OldMaster planned = new PromotionCandidates.OldMaster(MASTER, "a", 400, -1, true);
        assertEquals(R1, PromotionCandidates.choose(REPLICAS, all, planned, null).node());
        PromotionCandidates.Choice refused = PromotionCandidates.choose(REPLICAS, all, planned, R2);
        assertTrue(refused.refusal().contains("not in sync") && refused.refusal().contains("link down"), refused.refusal());
        assertTrue(PromotionCandidates.choose(REPLICAS, all, planned, MASTER).refusal().contains("is the master already"));
        assertTrue(PromotionCandidates.choose(REPLICAS, all, planned, NodeAddress.parse("10.9.9.9:1")).refusal()
                .contains("not a replica in the topology"));
    }
}

package org.redisfailover.protocol.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TopologyJsonTest {

    private static final NodeAddress A = NodeAddress.parse("10.0.0.1:6379");
    private static final NodeAddress B = NodeAddress.parse("10.0.0.2:6379");

    @Test
    void roundTripsServingAndNoMasterTopologies() {
        Topology serving = new Topology(7, A, List.of(B));
        assertEquals(serving, TopologyJson.decode(TopologyJson.encode(serving)));
        Topology switching = new Topology(8, null, List.of(B));
        assertEquals(switching, TopologyJson.decode(TopologyJson.encode(switching)));
        assertTrue(
                new String(TopologyJson.encode(switching), StandardCharsets.UTF_8).contains("\"state\":\"no-master\""));
    }

    @Test
    void roundTripsBothKindsOfSwitchWithThePreviousMaster() {
        Topology serving = new Topology(7, A, List.of(B));
        for (Topology.Phase kind : List.of(Topology.Phase.FAILOVER, Topology.Phase.SWITCHOVER)) {
            Topology switching = serving.switching(kind);
            assertEquals(new Topology(8, null, List.of(B), kind, A), switching);
            assertEquals(switching, TopologyJson.decode(TopologyJson.encode(switching)));
            String json = new String(TopologyJson.encode(switching), StandardCharsets.UTF_8);
            assertTrue(
                    json.contains("\"state\":\"" + kind.json() + "\"")
                            && json.contains("\"previousMaster\":\"10.0.0.1:6379\""),
                    json);
        }
        assertThrows(IllegalArgumentException.class, () -> serving.switching(Topology.Phase.SERVING));
    }

    @Test
    void keepsTheReplicasTheLeaderCannotReachAcrossEpochs() {
        Topology serving = new Topology(7, A, List.of(B), Topology.Phase.SERVING, null, null, List.of(B));
        assertEquals(serving, TopologyJson.decode(TopologyJson.encode(serving)));
        assertTrue(new String(TopologyJson.encode(serving), StandardCharsets.UTF_8)
                .contains("\"unreachableReplicas\":[\"10.0.0.2:6379\"]"));
        assertEquals(List.of(B), serving.switching(Topology.Phase.FAILOVER).unreachable());
        assertTrue(!serving.hasReachableReplica()
                && serving.withUnreachable(List.of()).hasReachableReplica());
        assertEquals(List.of(), serving.withoutReplica(B).unreachable());
        assertThrows(
                IllegalArgumentException.class,
                () -> new Topology(7, A, List.of(), Topology.Phase.SERVING, null, null, List.of(B)),
                "only a replica can be unreachable");
    }

    @Test
    void ignoresUnknownFieldsFromNewerWriters() {
        String json =
                "{\"format\":1,\"epoch\":3,\"master\":\"10.0.0.1:6379\",\"replicas\":[],\"updatedBy\":\"m1\",\"extra\":{}}";
        assertEquals(new Topology(3, A, List.of()), TopologyJson.decode(json.getBytes(StandardCharsets.UTF_8)));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "not json",
                "[]",
                "{}",
                "{\"format\":2,\"epoch\":1,\"replicas\":[]}",
                "{\"format\":1,\"epoch\":0,\"replicas\":[]}",
                "{\"format\":1,\"epoch\":\"x\",\"replicas\":[]}",
                "{\"format\":1,\"epoch\":1,\"master\":\"nohost\",\"replicas\":[]}",
                "{\"format\":1,\"epoch\":1,\"replicas\":\"a\"}",
                "{\"format\":1,\"epoch\":1,\"master\":\"10.0.0.1:6379\",\"replicas\":[\"10.0.0.1:6379\"]}",
                "{\"format\":1,\"epoch\":1,\"state\":\"serving\",\"master\":null,\"replicas\":[]}",
                "{\"format\":1,\"epoch\":1,\"state\":\"switchover\",\"master\":\"10.0.0.1:6379\",\"replicas\":[]}",
                "{\"format\":1,\"epoch\":1,\"state\":\"paused\",\"master\":null,\"replicas\":[]}"
            })
    void rejectsMalformedTopologiesAsAWhole(String json) {
        assertThrows(IllegalArgumentException.class, () -> TopologyJson.decode(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void layoutPutsEverythingUnderTheRoot() {
        ZkLayout layout = new ZkLayout("/redis/cluster");
        assertEquals("/redis/cluster/topology", layout.topology());
        assertEquals("/redis/cluster/proxies/p1", layout.proxy("p1"));
        assertThrows(IllegalArgumentException.class, () -> new ZkLayout("redis"));
        assertThrows(IllegalArgumentException.class, () -> new ZkLayout("/redis/"));
    }
}

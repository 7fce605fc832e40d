package org.redisfailover.protocol.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The topology znode's content: small, versioned JSON that people can read in {@code zkCli}.
 *
 * <pre>{"format":1,"epoch":7,"state":"serving","master":"10.0.0.1:6379","masterRunId":"8f3c...","masterReplid":"a1b2...",
 *  "replicas":["10.0.0.2:6379","10.0.0.3:6379"],"unreachableReplicas":["10.0.0.3:6379"]}</pre>
 *
 * {@code state} is {@code no-master} (a failover) or {@code switchover} (a planned switch) during a
 * switch, with {@code master} null and {@code previousMaster} the node being replaced ({@code masterRunId} and
 * {@code masterReplid} then describe the previous master). Unknown fields are
 * ignored so that newer writers stay readable; anything malformed is rejected as a whole, never
 * half-applied (research Z18: keep the last good topology instead).
 */
public final class TopologyJson {

    static final int FORMAT = 1;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TopologyJson() {}

    public static byte[] encode(Topology topology) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", FORMAT);
        root.put("epoch", topology.epoch());
        root.put("state", topology.phase().json());
        if (topology.hasMaster()) {
            root.put("master", topology.master().toString());
        } else {
            root.putNull("master");
        }
        if (topology.masterIdentity() != null) {
            root.put("masterRunId", topology.masterIdentity().runId());
            root.put("masterReplid", topology.masterIdentity().replid());
        }
        if (topology.previousMaster() != null) {
            root.put("previousMaster", topology.previousMaster().toString());
        }
        ArrayNode replicas = root.putArray("replicas");
        topology.replicas().forEach(replica -> replicas.add(replica.toString()));
        if (!topology.unreachable().isEmpty()) {
            ArrayNode unreachable = root.putArray("unreachableReplicas");
            topology.unreachable().forEach(replica -> unreachable.add(replica.toString()));
        }
        try {
            return MAPPER.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + topology, e);
        }
    }

    /** Parses a topology znode; throws {@link IllegalArgumentException} naming what is wrong. */
    public static Topology decode(byte[] data) {
        JsonNode root;
        try {
            root = MAPPER.readTree(data);
        } catch (IOException e) {
            throw new IllegalArgumentException("topology is not JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("topology is not a JSON object");
        }
        int format = root.path("format").asInt(-1);
        if (format != FORMAT) {
            throw new IllegalArgumentException(
                    "topology format " + root.path("format") + " (expected: " + FORMAT + ")");
        }
        JsonNode epoch = root.path("epoch");
        if (!epoch.canConvertToLong() || epoch.asLong() < 1) {
            throw new IllegalArgumentException("topology epoch " + epoch + " (expected: a positive integer)");
        }
        NodeAddress masterAddress = optionalAddress(root.path("master"));
        NodeAddress previousMaster = optionalAddress(root.path("previousMaster"));
        JsonNode state = root.path("state");
        Topology.Phase phase = state.isMissingNode()
                ? (masterAddress == null ? Topology.Phase.FAILOVER : Topology.Phase.SERVING)
                : Topology.Phase.fromJson(state.asText());
        JsonNode replicasNode = root.path("replicas");
        if (!replicasNode.isArray()) {
            throw new IllegalArgumentException("topology replicas must be an array");
        }
        List<NodeAddress> replicas = new ArrayList<>();
        replicasNode.forEach(replica -> replicas.add(NodeAddress.parse(replica.asText())));
        JsonNode runId = root.path("masterRunId");
        NodeIdentity identity = (masterAddress == null && previousMaster == null) || !runId.isTextual()
                ? null
                : new NodeIdentity(runId.asText(), root.path("masterReplid").asText(null));
        List<NodeAddress> unreachable = new ArrayList<>();
        root.path("unreachableReplicas").forEach(replica -> unreachable.add(NodeAddress.parse(replica.asText())));
        return new Topology(epoch.asLong(), masterAddress, replicas, phase, previousMaster, identity, unreachable);
    }

    private static NodeAddress optionalAddress(JsonNode node) {
        return node.isNull() || node.isMissingNode() ? null : NodeAddress.parse(node.asText());
    }
}

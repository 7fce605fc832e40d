package org.redisfailover.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import org.redisfailover.monitor.NodeAccess;
import org.redisfailover.protocol.cluster.HashSlots;
import org.redisfailover.protocol.cluster.SlotMap;
import org.redisfailover.protocol.topology.NodeAddress;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisException;

/**
 * {@code redis-failover status --cluster SEEDS}: the shards of the Redis Cluster a proxy in cluster mode fronts,
 * as the first seed that answers describes them (CLUSTER SHARDS; CLUSTER SLOTS on a node without it): each
 * shard's slots, master and replicas with their health and replication offset, and how many slots have a master.
 */
final class ClusterStatus {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ClusterStatus() {}

    /** The cluster as JSON, or null when no seed answers. */
    static ObjectNode collect(List<NodeAddress> seeds, NodeAccess access) {
        for (NodeAddress seed : seeds) {
            try (Jedis jedis = new Jedis(
                    new HostAndPort(seed.host(), seed.port()), access.clientConfig(1_000, "redis-failover-status"))) {
                SlotMap map;
                try {
                    map = SlotMap.fromShards(plain(jedis.sendCommand(Protocol.Command.CLUSTER, "SHARDS")), seed.host());
                } catch (JedisException e) {
                    map = SlotMap.fromSlots(plain(jedis.sendCommand(Protocol.Command.CLUSTER, "SLOTS")), seed.host());
                }
                return map == null ? null : describe(seed, map);
            } catch (JedisException e) {
                // the next seed
            }
        }
        return null;
    }

    private static ObjectNode describe(NodeAddress seed, SlotMap map) {
        ObjectNode status = MAPPER.createObjectNode();
        status.put("askedNode", seed.toString());
        status.put("slotsCovered", map.covered());
        ArrayNode shards = status.putArray("shards");
        for (SlotMap.Shard shard : map.shards()) {
            if (shard.master() == null
                    && shard.ranges().isEmpty()
                    && shard.replicas().isEmpty()) {
                continue; // a failed master that serves nothing any more: the cluster lists it on its own
            }
            ObjectNode entry = shards.addObject();
            entry.put(
                    "slots",
                    shard.ranges().stream()
                            .map(r -> r.start() == r.end() ? "" + r.start() : r.start() + "-" + r.end())
                            .collect(Collectors.joining(",")));
            if (shard.master() == null) {
                entry.putNull("master");
            } else {
                entry.set("master", node(shard.master()));
            }
            ArrayNode replicas = entry.putArray("replicas");
            shard.replicas().forEach(replica -> replicas.add(node(replica)));
        }
        return status;
    }

    private static ObjectNode node(SlotMap.Node node) {
        ObjectNode entry = MAPPER.createObjectNode();
        entry.put("address", node.address().toString());
        entry.put("health", node.health());
        entry.put("offset", node.offset());
        return entry;
    }

    /** What makes the cluster unhealthy: slots without a master, failed replicas. */
    static List<String> problems(ObjectNode status) {
        List<String> problems = new java.util.ArrayList<>();
        int covered = status.path("slotsCovered").asInt();
        if (covered < HashSlots.COUNT) {
            problems.add((HashSlots.COUNT - covered) + " slots have no master");
        }
        status.path("shards")
                .forEach(shard -> shard.path("replicas").forEach(replica -> {
                    if (replica.path("health").asText().equals("fail")) {
                        problems.add("replica " + replica.path("address").asText() + " is "
                                + replica.path("health").asText());
                    }
                }));
        return problems;
    }

    static String text(ObjectNode status) {
        StringBuilder out =
                new StringBuilder("cluster (as " + status.path("askedNode").asText() + " sees it): "
                        + status.path("slotsCovered").asInt() + " of " + HashSlots.COUNT + " slots have a master\n");
        status.path("shards").forEach(shard -> {
            out.append("  slots ").append(shard.path("slots").asText()).append(": master ");
            out.append(
                    shard.path("master").isNull()
                            ? "none"
                            : shard.path("master").path("address").asText());
            shard.path("replicas")
                    .forEach(replica -> out.append(", replica ")
                            .append(replica.path("address").asText())
                            .append(" (")
                            .append(replica.path("health").asText())
                            .append(", offset ")
                            .append(replica.path("offset").asLong())
                            .append(')'));
            out.append('\n');
        });
        return out.toString();
    }

    /** Jedis' raw reply as the plain values {@link SlotMap} reads (strings, numbers, lists). */
    private static Object plain(Object value) {
        if (value instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        if (value instanceof List<?> list) {
            return list.stream().map(ClusterStatus::plain).toList();
        }
        return value;
    }
}

package org.redisfailover.protocol.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.redisfailover.protocol.resp.RespValue;
import org.redisfailover.protocol.topology.NodeAddress;

/**
 * Which master serves each of the 16384 hash slots, and the shards as a node described them: their slot
 * ranges, master and replicas with role, replication offset and health. Read from {@code CLUSTER SHARDS}
 * (Redis 7+) or {@code CLUSTER SLOTS}. Immutable; a MOVED makes a copy with one slot changed.
 */
public final class SlotMap {

    /** One node of a shard; {@code offset} -1 and {@code health} "online" where the reply does not say. */
    public record Node(NodeAddress address, String id, String role, long offset, String health) {}

    /** Slots {@code start} to {@code end}, both included. */
    public record Range(int start, int end) {}

    /** One shard: its slot ranges, its master (null while it has none) and its replicas. */
    public record Shard(List<Range> ranges, Node master, List<Node> replicas) {}

    private final NodeAddress[] masters;
    private final List<Shard> shards;

    private SlotMap(NodeAddress[] masters, List<Shard> shards) {
        this.masters = masters;
        this.shards = List.copyOf(shards);
    }

    /** From a {@code CLUSTER SHARDS} reply, or null when it is not one. */
    public static SlotMap fromShards(Object reply) {
        return fromShards(reply, null);
    }

    /**
     * From a {@code CLUSTER SHARDS} reply of the node at {@code askedHost}, or null when it is not one. A node with no
     * address (a node that was never MEETed, such as a single-node cluster, reports none for itself) is at the host
     * that was asked, as Redis documents for CLUSTER SLOTS.
     */
    public static SlotMap fromShards(Object reply, String askedHost) {
        if (!(reply instanceof List<?>)) {
            return null;
        }
        Interner addresses = new Interner(askedHost);
        List<Shard> shards = new ArrayList<>();
        for (Object shardValue : RespValue.list(reply)) {
            List<Object> shard = RespValue.list(shardValue);
            List<Object> slots = RespValue.list(RespValue.field(shard, "slots"));
            List<Range> ranges = new ArrayList<>();
            for (int i = 0; i + 1 < slots.size(); i += 2) {
                ranges.add(new Range(
                        (int) RespValue.number(slots.get(i), -1), (int) RespValue.number(slots.get(i + 1), -1)));
            }
            Node master = null;
            List<Node> replicas = new ArrayList<>();
            for (Object nodeValue : RespValue.list(RespValue.field(shard, "nodes"))) {
                Node node = shardNode(RespValue.list(nodeValue), addresses);
                if (node == null) {
                    continue;
                }
                if (node.role().equals("master") && !node.health().equals("fail")) {
                    master = node;
                } else if (node.role().equals("replica")) {
                    replicas.add(node);
                }
            }
            shards.add(new Shard(List.copyOf(ranges), master, List.copyOf(replicas)));
        }
        return of(shards);
    }

    private static Node shardNode(List<Object> fields, Interner addresses) {
        String endpoint = RespValue.string(RespValue.field(fields, "endpoint"));
        String ip = RespValue.string(RespValue.field(fields, "ip"));
        Object portValue = RespValue.field(fields, "port");
        if (portValue == null) {
            portValue = RespValue.field(fields, "tls-port");
        }
        long port = RespValue.number(portValue, -1);
        String host = endpoint != null && !endpoint.isEmpty() && !endpoint.equals("?") ? endpoint : ip;
        if (host == null || host.isEmpty()) {
            host = addresses.askedHost;
        }
        if (host == null || host.isEmpty() || port <= 0 || port > 65535) {
            return null;
        }
        String health = RespValue.string(RespValue.field(fields, "health"));
        String role = RespValue.string(RespValue.field(fields, "role"));
        return new Node(
                addresses.of(host, (int) port),
                RespValue.string(RespValue.field(fields, "id")),
                role == null ? "master" : role,
                RespValue.number(RespValue.field(fields, "replication-offset"), -1),
                health == null ? "online" : health);
    }

    /** From a {@code CLUSTER SLOTS} reply (one entry per slot range: start, end, master, replicas), or null. */
    public static SlotMap fromSlots(Object reply) {
        return fromSlots(reply, null);
    }

    /** From a {@code CLUSTER SLOTS} reply of the node at {@code askedHost} (an empty address is that host), or null. */
    public static SlotMap fromSlots(Object reply, String askedHost) {
        if (!(reply instanceof List<?>)) {
            return null;
        }
        Interner addresses = new Interner(askedHost);
        Map<NodeAddress, List<Range>> rangesByMaster = new HashMap<>();
        Map<NodeAddress, Shard> shardsByMaster = new HashMap<>();
        List<NodeAddress> order = new ArrayList<>();
        for (Object entryValue : RespValue.list(reply)) {
            List<Object> entry = RespValue.list(entryValue);
            if (entry.size() < 3) {
                continue;
            }
            int start = (int) RespValue.number(entry.get(0), -1);
            int end = (int) RespValue.number(entry.get(1), -1);
            Node master = slotsNode(RespValue.list(entry.get(2)), "master", addresses);
            if (master == null) {
                continue;
            }
            List<Node> replicas = new ArrayList<>();
            for (int i = 3; i < entry.size(); i++) {
                Node replica = slotsNode(RespValue.list(entry.get(i)), "replica", addresses);
                if (replica != null) {
                    replicas.add(replica);
                }
            }
            if (!rangesByMaster.containsKey(master.address())) {
                order.add(master.address());
                rangesByMaster.put(master.address(), new ArrayList<>());
            }
            rangesByMaster.get(master.address()).add(new Range(start, end));
            shardsByMaster.put(master.address(), new Shard(List.of(), master, List.copyOf(replicas)));
        }
        List<Shard> shards = new ArrayList<>();
        for (NodeAddress master : order) {
            Shard shard = shardsByMaster.get(master);
            shards.add(new Shard(List.copyOf(rangesByMaster.get(master)), shard.master(), shard.replicas()));
        }
        return of(shards);
    }

    private static Node slotsNode(List<Object> fields, String role, Interner addresses) {
        if (fields.size() < 2) {
            return null;
        }
        String host = RespValue.string(fields.get(0));
        long port = RespValue.number(fields.get(1), -1);
        if (host == null || host.isEmpty()) {
            host = addresses.askedHost;
        }
        if (host == null || host.isEmpty() || host.equals("?") || port <= 0 || port > 65535) {
            return null;
        }
        String id = fields.size() > 2 ? RespValue.string(fields.get(2)) : null;
        return new Node(addresses.of(host, (int) port), id, role, -1, "online");
    }

    private static SlotMap of(List<Shard> shards) {
        NodeAddress[] masters = new NodeAddress[HashSlots.COUNT];
        for (Shard shard : shards) {
            if (shard.master() == null) {
                continue;
            }
            for (Range range : shard.ranges()) {
                for (int slot = Math.max(0, range.start());
                        slot <= Math.min(HashSlots.COUNT - 1, range.end());
                        slot++) {
                    masters[slot] = shard.master().address();
                }
            }
        }
        return new SlotMap(masters, shards);
    }

    /** The master serving {@code slot}, or null while none does. */
    public NodeAddress master(int slot) {
        return masters[slot];
    }

    /**
     * The lowest slot, from {@code from} on, whose master serves no lower slot: the masters in the order of their
     * first slot, which is how a scan over the cluster walks them. -1 when there is none.
     */
    public int nextFirstSlot(int from) {
        java.util.Set<NodeAddress> seen = new java.util.HashSet<>();
        for (int slot = 0; slot < HashSlots.COUNT; slot++) {
            NodeAddress master = masters[slot];
            if (master != null && seen.add(master) && slot >= from) {
                return slot;
            }
        }
        return -1;
    }

    /** A copy in which {@code slot} is served by {@code owner} (a MOVED says so before the next refresh). */
    public SlotMap withOwner(int slot, NodeAddress owner) {
        NodeAddress[] moved = masters.clone();
        for (NodeAddress known : masters) {
            if (owner.equals(known)) {
                owner = known; // keep one instance per node: connections are looked up by it
                break;
            }
        }
        moved[slot] = owner;
        return new SlotMap(moved, shards);
    }

    public List<Shard> shards() {
        return shards;
    }

    /** Slots that have a master. */
    public int covered() {
        int covered = 0;
        for (NodeAddress master : masters) {
            if (master != null) {
                covered++;
            }
        }
        return covered;
    }

    /** Every master that serves a slot, in shard order. */
    public List<NodeAddress> masters() {
        Set<NodeAddress> seen = new LinkedHashSet<>();
        for (Shard shard : shards) {
            if (shard.master() != null) {
                seen.add(shard.master().address());
            }
        }
        for (NodeAddress master : masters) {
            if (master != null) {
                seen.add(master);
            }
        }
        return List.copyOf(seen);
    }

    /** Every node the map names, masters first. */
    public List<NodeAddress> nodes() {
        Set<NodeAddress> all = new LinkedHashSet<>(masters());
        for (Shard shard : shards) {
            shard.replicas().forEach(replica -> all.add(replica.address()));
        }
        return List.copyOf(all);
    }

    /** The replicas of the shard whose master is {@code master}. */
    public List<Node> replicasOf(NodeAddress master) {
        for (Shard shard : shards) {
            if (shard.master() != null && shard.master().address().equals(master)) {
                return shard.replicas();
            }
        }
        return List.of();
    }

    /**
     * Whether both maps describe the same cluster: the same master for every slot, and the same shards with the
     * same replicas in the same health (replication offsets, which move all the time, and the order the nodes
     * list shards in, which changes from reply to reply, do not count).
     */
    public boolean sameShape(SlotMap other) {
        return sameOwners(other) && shapes().equals(other.shapes());
    }

    private Set<List<Object>> shapes() {
        Set<List<Object>> shapes = new java.util.HashSet<>();
        for (Shard shard : shards) {
            Set<List<Object>> replicas = new java.util.HashSet<>();
            shard.replicas().forEach(replica -> replicas.add(List.of(replica.address(), replica.health())));
            shapes.add(List.of(
                    shard.ranges(),
                    shard.master() == null ? "none" : shard.master().address(),
                    replicas));
        }
        return shapes;
    }

    /** Whether both maps send every slot to the same master. */
    public boolean sameOwners(SlotMap other) {
        return Arrays.equals(masters, other.masters);
    }

    /** One {@link NodeAddress} instance per node within a map. */
    /** One instance per address read from a reply; and the host that was asked, for nodes that give none. */
    private static final class Interner {
        private final Map<NodeAddress, NodeAddress> seen = new HashMap<>();
        private final String askedHost;

        Interner(String askedHost) {
            this.askedHost = askedHost;
        }

        NodeAddress of(String host, int port) {
            NodeAddress address = new NodeAddress(host, port);
            return seen.computeIfAbsent(address, a -> a);
        }
    }

    @Override
    public String toString() {
        return "SlotMap[" + covered() + " slots covered, masters " + Collections.unmodifiableList(masters()) + "]";
    }
}

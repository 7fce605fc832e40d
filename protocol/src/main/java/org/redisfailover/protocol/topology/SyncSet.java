package org.redisfailover.protocol.topology;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Safe mode's {@code sync-set} znode: the replicas that may have acknowledged writes of one master (Redis'
 * WAIT counts any replica attached to it), written by the leading monitor only. A replica is added before
 * the monitors point it at the master, or as soon as the master reports it attached; none leaves while
 * that master serves (but by an operator's {@code forget-replica}), and a new master starts a new set. A
 * promotion counts on every member.
 *
 * <p>A member counts only as the process it was when it joined ({@code runIds}): one that restarted from an
 * older snapshot holds less than it acknowledged. Its new process is trusted once the master reports it online
 * with an acknowledged offset at or past the master's offset when the restart was seen ({@code rejoining}): it
 * then holds everything acknowledged before.
 *
 * @param master    the master whose writes the members may have acknowledged ({@code host:port})
 * @param members   the replicas ({@code host:port}), in the order they joined
 * @param runIds    the process (run id) each member counts as, by member; a member without one counts as any
 * @param rejoining members seen as another process than their recorded one, not yet caught up, by member
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record SyncSet(
        String master, List<String> members, Map<String, String> runIds, Map<String, Rejoining> rejoining) {

    /**
     * A member that came back as another process: it counts as holding the set's writes once the master has it
     * online with an acknowledged offset of at least {@code offset}.
     */
    public record Rejoining(String runId, long offset) {}

    public SyncSet {
        members = members == null ? List.of() : List.copyOf(members);
        runIds = runIds == null ? Map.of() : Map.copyOf(runIds);
        rejoining = rejoining == null ? Map.of() : Map.copyOf(rejoining);
    }

    /** The set of {@code master} with {@code replicas}, none of whose processes is known yet. */
    public static SyncSet of(NodeAddress master, List<NodeAddress> replicas) {
        return new SyncSet(
                master.toString(),
                replicas.stream().map(NodeAddress::toString).distinct().toList(),
                Map.of(),
                Map.of());
    }

    /** Whether these are the replicas of {@code node}. */
    public boolean isOf(NodeAddress node) {
        return node != null && node.equals(NodeAddress.parse(master));
    }

    public List<NodeAddress> replicas() {
        return members.stream().map(NodeAddress::parse).toList();
    }

    /** The run id {@code member} counts as, or null when none was recorded. */
    public String runIdOf(NodeAddress member) {
        return runIds.get(member.toString());
    }

    /** This set with {@code joining} added (the same set when all of them are members already). */
    public SyncSet with(List<NodeAddress> joining) {
        Set<NodeAddress> union = new LinkedHashSet<>(replicas());
        union.addAll(joining);
        return withMembers(List.copyOf(union));
    }

    /** This set with exactly {@code replicas} as members, keeping what it knows of those that stay. */
    public SyncSet withMembers(List<NodeAddress> replicas) {
        List<String> names =
                replicas.stream().map(NodeAddress::toString).distinct().toList();
        Map<String, String> keptRunIds = new LinkedHashMap<>(runIds);
        keptRunIds.keySet().retainAll(names);
        Map<String, Rejoining> keptRejoining = new LinkedHashMap<>(rejoining);
        keptRejoining.keySet().retainAll(names);
        return new SyncSet(master, names, keptRunIds, keptRejoining);
    }

    /**
     * This set after seeing {@code member} run as process {@code runId} while the master is at {@code masterOffset}
     * and has acknowledged {@code acked} of it (null: not online at the master): the first process seen is
     * recorded; another is recorded as rejoining until the master has it caught up.
     */
    public SyncSet seen(NodeAddress member, String runId, long masterOffset, Long acked) {
        String name = member.toString();
        String recorded = runIds.get(name);
        if (runId == null || runId.equals(recorded) || !members.contains(name)) {
            return this;
        }
        Map<String, String> nextRunIds = new LinkedHashMap<>(runIds);
        Map<String, Rejoining> nextRejoining = new LinkedHashMap<>(rejoining);
        Rejoining pending = rejoining.get(name);
        if (recorded == null) {
            nextRunIds.put(name, runId);
        } else if (pending == null || !pending.runId().equals(runId)) {
            pending = new Rejoining(runId, masterOffset);
            nextRejoining.put(name, pending);
        }
        if (recorded != null && acked != null && acked >= pending.offset()) {
            nextRunIds.put(name, runId);
            nextRejoining.remove(name);
        }
        return new SyncSet(master, members, nextRunIds, nextRejoining);
    }

    public byte[] encode() {
        return ZkJson.encode(this);
    }

    /** Parses a sync set; throws {@link IllegalArgumentException} when it is not one. */
    public static SyncSet decode(byte[] data) {
        return ZkJson.decode(data, SyncSet.class, "a sync set");
    }
}

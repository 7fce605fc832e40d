package org.redisfailover.protocol.topology;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Safe mode's {@code sync-set} znode: the replicas that may have acknowledged writes of one master (Redis'
 * WAIT counts any replica attached to it), written by the leading monitor only. A replica is added before
 * the monitors point it at the master, or as soon as the master reports it attached; none leaves while
 * that master serves, and a new master starts a new set. A promotion counts on every member.
 *
 * @param master  the master whose writes the members may have acknowledged ({@code host:port})
 * @param members the replicas ({@code host:port}), in the order they joined
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SyncSet(String master, List<String> members) {

    public SyncSet {
        members = members == null ? List.of() : List.copyOf(members);
    }

    /** The set of {@code master} with {@code replicas}. */
    public static SyncSet of(NodeAddress master, List<NodeAddress> replicas) {
        return new SyncSet(master.toString(), replicas.stream().map(NodeAddress::toString).distinct().toList());
    }

    /** Whether these are the replicas of {@code node}. */
    public boolean isOf(NodeAddress node) {
        return node != null && node.equals(NodeAddress.parse(master));
    }

    public List<NodeAddress> replicas() {
        return members.stream().map(NodeAddress::parse).toList();
    }

    /** This set with {@code joining} added (the same set when all of them are members already). */
    public SyncSet with(List<NodeAddress> joining) {
        Set<NodeAddress> union = new LinkedHashSet<>(replicas());
        union.addAll(joining);
        return SyncSet.of(NodeAddress.parse(master), List.copyOf(union));
    }

    public byte[] encode() {
        return ZkJson.encode(this);
    }

    /** Parses a sync set; throws {@link IllegalArgumentException} when it is not one. */
    public static SyncSet decode(byte[] data) {
        return ZkJson.decode(data, SyncSet.class, "a sync set");
    }
}

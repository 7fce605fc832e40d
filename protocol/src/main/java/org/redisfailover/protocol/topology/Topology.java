package org.redisfailover.protocol.topology;

import java.util.List;

/**
 * Who is master and who are replicas, at one epoch. Immutable: a change of topology is a new
 * snapshot, swapped whole, so a request never sees half of one topology and half of the next.
 *
 * @param epoch          strictly increasing across changes; an older epoch never replaces a newer one
 * @param master         the node that takes writes, or null while there is none (during a switch)
 * @param replicas       the nodes reads may go to, in a stable order
 * @param phase          serving, or which kind of switch is under way
 * @param previousMaster during a switch, the master being replaced (null when unknown or serving)
 * @param masterIdentity the master's process and replication history as the leader verified them when it
 *                       published this epoch (null when not known): proxies write only to that process, so a
 *                       master that restarted without its data is never written to. During a switch, the
 *                       previous master's, so that whichever monitor finishes the switch knows which
 *                       replication history the candidates must carry
 * @param unreachable    the replicas the leading monitor cannot reach (down by its probes): the proxies' replication
 *                       guard waits for none of them. With every replica unreachable no failover is possible, and
 *                       a master that writes on is no worse off than one whose replicas are gone; with one reachable,
 *                       the guard holds writes a cut-off master could take. A subset of {@code replicas}
 */
public record Topology(
        long epoch,
        NodeAddress master,
        List<NodeAddress> replicas,
        Phase phase,
        NodeAddress previousMaster,
        NodeIdentity masterIdentity,
        List<NodeAddress> unreachable) {

    /** What the group is doing at this epoch; proxies treat the old master differently in each. */
    public enum Phase {
        /** A master takes writes. */
        SERVING("serving"),
        /** The master failed: proxies cut it off at once; what was in flight on it has an unknown outcome. */
        FAILOVER("no-master"),
        /**
         * A planned switchover: the old master is healthy, so proxies let the writes in flight on it
         * finish before they acknowledge the epoch; nothing is cut off, nothing is uncertain.
         */
        SWITCHOVER("switchover");

        private final String json;

        Phase(String json) {
            this.json = json;
        }

        public String json() {
            return json;
        }

        public static Phase fromJson(String text) {
            for (Phase phase : values()) {
                if (phase.json.equals(text)) {
                    return phase;
                }
            }
            throw new IllegalArgumentException(
                    "topology state '" + text + "' (expected: serving, no-master or switchover)");
        }
    }

    public Topology {
        replicas = List.copyOf(replicas);
        unreachable = unreachable == null ? List.of() : List.copyOf(unreachable);
        if (!replicas.containsAll(unreachable)) {
            throw new IllegalArgumentException(
                    "unreachable replicas " + unreachable + " are not all replicas " + replicas);
        }
        if ((phase == Phase.SERVING) != (master != null)) {
            throw new IllegalArgumentException(
                    "a " + phase.json() + " topology " + (master == null ? "needs" : "has no") + " master");
        }
        if (phase == Phase.SERVING && previousMaster != null) {
            throw new IllegalArgumentException("a serving topology has no previous master");
        }
        if (master != null && replicas.contains(master)) {
            throw new IllegalArgumentException(master + " cannot be both master and replica");
        }
        if (replicas.stream().distinct().count() != replicas.size()) {
            throw new IllegalArgumentException("replicas listed twice: " + replicas);
        }
        if (master == null && previousMaster == null && masterIdentity != null) {
            throw new IllegalArgumentException(
                    "a topology with neither a master nor a previous master has no master identity");
        }
    }

    /** A topology whose every replica the leader reaches. */
    public Topology(
            long epoch,
            NodeAddress master,
            List<NodeAddress> replicas,
            Phase phase,
            NodeAddress previousMaster,
            NodeIdentity masterIdentity) {
        this(epoch, master, replicas, phase, previousMaster, masterIdentity, List.of());
    }

    /** A topology whose master's identity is not recorded. */
    public Topology(
            long epoch, NodeAddress master, List<NodeAddress> replicas, Phase phase, NodeAddress previousMaster) {
        this(epoch, master, replicas, phase, previousMaster, null);
    }

    /** A serving topology, or (master null) a failover with the previous master unknown. */
    public Topology(long epoch, NodeAddress master, List<NodeAddress> replicas) {
        this(epoch, master, replicas, master == null ? Phase.FAILOVER : Phase.SERVING, null);
    }

    /** The next epoch of a switch away from this topology's master: no master, writes held. */
    public Topology switching(Phase kind) {
        if (kind == Phase.SERVING || master == null) {
            throw new IllegalArgumentException(
                    "a switch starts from a serving topology, with a " + kind.json() + " phase");
        }
        return new Topology(epoch + 1, null, replicas, kind, master, masterIdentity, unreachable);
    }

    /** The same topology at {@code newEpoch}, with its master's identity as now verified. */
    public Topology withEpoch(long newEpoch, NodeIdentity identity) {
        return new Topology(newEpoch, master, replicas, phase, previousMaster, identity, unreachable);
    }

    /** A serving topology with {@code master} (identity verified) and {@code replicas}. */
    public static Topology serving(long epoch, NodeAddress master, NodeIdentity identity, List<NodeAddress> replicas) {
        return new Topology(epoch, master, replicas, Phase.SERVING, null, identity);
    }

    /** The same topology at the next epoch without {@code replica} (an operator gave up on it). */
    public Topology withoutReplica(NodeAddress replica) {
        return new Topology(
                epoch + 1,
                master,
                replicas.stream().filter(r -> !r.equals(replica)).toList(),
                phase,
                previousMaster,
                masterIdentity,
                unreachable.stream().filter(r -> !r.equals(replica)).toList());
    }

    /** The same topology at the next epoch, with {@code now} (those of its replicas the leader cannot reach) as unreachable. */
    public Topology withUnreachable(List<NodeAddress> now) {
        return new Topology(epoch + 1, master, replicas, phase, previousMaster, masterIdentity, now);
    }

    /** Whether a replica the leader reaches exists: the replication guard waits only for such a one. */
    public boolean hasReachableReplica() {
        return replicas.size() > unreachable.size();
    }

    public boolean hasMaster() {
        return master != null;
    }
}

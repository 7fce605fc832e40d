package org.redisfailover.monitor;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.SyncSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps safe mode's sync set S in ZooKeeper ({@link SyncSet}), so that whichever monitor leads the next
 * failover counts on every replica that may have acknowledged the master's writes, including one an
 * operator attached by hand that the topology does not list yet. WAIT counts any replica attached to the
 * master, so a replica joins S before the leader points it at the master, or as soon as the master
 * reports it; it leaves only when another master serves (every write the old one acknowledged is then on
 * the new one). Written by the leader only, fenced as its topology writes are: each write is one ZooKeeper
 * transaction with a check that the topology is still at the version the leader's step holds, and a
 * compare-and-set on the set's own version. With safe mode off nothing is read or written.
 */
final class SyncSetKeeper {

    private static final Logger log = LoggerFactory.getLogger(SyncSetKeeper.class);

    private final CuratorFramework client;
    private final String path;
    private final String topologyPath;
    /** The group's safe mode N, as the leader promotes under it: the set is kept while it is above 0. */
    private final IntSupplier minReplicaAcks;

    private final Leadership leadership;

    SyncSetKeeper(
            CuratorFramework client, MonitorSettings settings, Leadership leadership, IntSupplier minReplicaAcks) {
        this.client = client;
        this.path = settings.layout().syncSet();
        this.topologyPath = settings.layout().topology();
        this.minReplicaAcks = minReplicaAcks;
        this.leadership = leadership;
    }

    /** The stored set and its znode version (-1 and a null set when there is none or it cannot be read). */
    private record Stored(SyncSet set, int version) {

        boolean isOf(NodeAddress master) {
            return set != null && set.isOf(master);
        }
    }

    /**
     * The replicas that may have acknowledged writes of {@code master}: those S records for it, the
     * topology's {@code replicas}, and those the master last reported attached ({@code reported}); with the
     * process each counts as. With safe mode off, the topology's replicas.
     */
    SyncMembers of(NodeAddress master, Collection<NodeAddress> replicas, Collection<NodeAddress> reported)
            throws Exception {
        if (minReplicaAcks.getAsInt() <= 0) {
            return SyncMembers.anyProcess(List.copyOf(replicas));
        }
        Stored stored = read();
        List<NodeAddress> members = of(stored, master, replicas, reported);
        Map<NodeAddress, String> runIds = new HashMap<>();
        if (stored.isOf(master)) {
            for (NodeAddress member : members) {
                String runId = stored.set().runIdOf(member);
                if (runId != null) {
                    runIds.put(member, runId);
                }
            }
        }
        return new SyncMembers(members, runIds);
    }

    private static List<NodeAddress> of(
            Stored stored, NodeAddress master, Collection<NodeAddress> replicas, Collection<NodeAddress> reported) {
        Set<NodeAddress> members = new LinkedHashSet<>();
        if (stored.isOf(master)) {
            members.addAll(stored.set().replicas());
        }
        members.addAll(replicas);
        members.addAll(reported);
        members.remove(master);
        return List.copyOf(members);
    }

    /**
     * While {@code master} serves: S becomes its set widened by the topology's replicas and those it reports
     * attached (a set recorded for another master, the one it replaced, is dropped), with each member's process
     * as {@code statuses} show it: the first one seen is recorded, another one only once the master has it
     * online past the offset where it was seen restarted (see {@link SyncSet#seen}).
     */
    void serving(
            NodeStatus master,
            Collection<NodeAddress> replicas,
            Map<NodeAddress, NodeStatus> statuses,
            int topologyVersion)
            throws Exception {
        if (minReplicaAcks.getAsInt() <= 0) {
            return;
        }
        Stored stored = read();
        List<NodeAddress> members = of(stored, master.address(), replicas, master.replicas());
        SyncSet next = stored.isOf(master.address())
                ? stored.set().withMembers(members)
                : SyncSet.of(master.address(), members);
        if (master.reachable()) {
            for (NodeAddress member : members) {
                NodeStatus status = statuses.get(member);
                if (status != null && status.reachable()) {
                    next = next.seen(
                            member,
                            status.runId(),
                            master.offset(),
                            master.ackedOffsets().get(member));
                }
            }
        }
        if (!next.equals(stored.set())) {
            store(next, stored.version(), topologyVersion);
            if (stored.set() == null
                    || !next.members().equals(stored.set().members())
                    || !next.rejoining().equals(stored.set().rejoining())) {
                log.info(
                        "safe mode: replicas that may acknowledge writes of {}: {}{}",
                        master.address(),
                        next.members(),
                        next.rejoining().isEmpty() ? "" : "; restarted, counted once caught up: " + next.rejoining());
            }
        }
    }

    /**
     * Before the leader points {@code joining} at {@code master}: they join S when S is that master's (it is
     * not while a switch promotes a new master: the old master's set must survive until the new one serves,
     * and the new topology lists them anyway).
     */
    void beforeAttaching(Collection<NodeAddress> joining, NodeAddress master, int topologyVersion) throws Exception {
        if (minReplicaAcks.getAsInt() <= 0) {
            return;
        }
        Stored stored = read();
        if (!stored.isOf(master)) {
            return;
        }
        SyncSet next = stored.set().with(List.copyOf(joining));
        if (!next.equals(stored.set())) {
            store(next, stored.version(), topologyVersion);
            log.info("safe mode: {} may acknowledge writes of {} once attached", joining, master);
        }
    }

    /** Whether S records {@code node} as a replica of {@code master}. */
    boolean records(NodeAddress master, NodeAddress node) throws Exception {
        Stored stored = read();
        return stored.isOf(master) && stored.set().replicas().contains(node);
    }

    /** An operator gave up on {@code node} (see {@code ForgetRun}): it leaves S, whatever safe mode is now. */
    void forget(NodeAddress master, NodeAddress node, int topologyVersion) throws Exception {
        Stored stored = read();
        if (stored.isOf(master) && stored.set().replicas().contains(node)) {
            List<NodeAddress> remaining = stored.set().replicas().stream()
                    .filter(member -> !member.equals(node))
                    .toList();
            store(stored.set().withMembers(remaining), stored.version(), topologyVersion);
            log.warn(
                    "safe mode: {} forgotten; replicas that may acknowledge writes of {}: {}", node, master, remaining);
        }
    }

    private Stored read() throws Exception {
        Stat stat = new Stat();
        try {
            byte[] data = client.getData().storingStatIn(stat).forPath(path);
            try {
                return new Stored(SyncSet.decode(data), stat.getVersion());
            } catch (IllegalArgumentException e) {
                // A set nobody can read counts on nobody: the topology's replicas and the master's report still count.
                log.error("{} is not a sync set ({}); rewriting it", path, e.getMessage());
                return new Stored(null, stat.getVersion());
            }
        } catch (KeeperException.NoNodeException e) {
            return new Stored(null, -1);
        }
    }

    /** Writes {@code next} over the set at {@code version} (-1: create it), only if the topology is at {@code topologyVersion}. */
    private void store(SyncSet next, int version, int topologyVersion) throws Exception {
        if (!leadership.believed()) {
            throw new Leadership.Lost("this monitor no longer leads");
        }
        CuratorOp write = version < 0
                ? client.transactionOp().create().forPath(path, next.encode())
                : client.transactionOp().setData().withVersion(version).forPath(path, next.encode());
        try {
            client.transaction()
                    .forOperations(
                            client.transactionOp()
                                    .check()
                                    .withVersion(topologyVersion)
                                    .forPath(topologyPath),
                            write);
        } catch (KeeperException.BadVersionException
                | KeeperException.NodeExistsException
                | KeeperException.NoNodeException e) {
            throw new Leadership.Lost("the topology or the sync set changed meanwhile (" + e.getMessage() + ")");
        }
    }
}

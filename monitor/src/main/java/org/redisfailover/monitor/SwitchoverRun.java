package org.redisfailover.monitor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.NodeIdentity;
import org.redisfailover.protocol.topology.SwitchEvent;
import org.redisfailover.protocol.topology.SwitchoverRequest;
import org.redisfailover.protocol.topology.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A planned switchover, lossless: hold writes in the proxies (which first let the writes in flight on the
 * master finish), pause the master's writes, wait until the target has the master's whole replication
 * stream, promote it, and release the writes to it. If the target does not catch up in time, the old
 * master is restored at the next epoch and nothing was lost either. Also rolls back a switchover that a
 * previous leader left half done while the old master is still a healthy master.
 */
final class SwitchoverRun {

    private static final Logger log = LoggerFactory.getLogger(SwitchoverRun.class);

    private final GroupActions actions;
    private final ProbeRound round;
    private final LeaderMemory memory;

    SwitchoverRun(GroupActions actions, ProbeRound round, LeaderMemory memory) {
        this.actions = actions;
        this.round = round;
        this.memory = memory;
    }

    /** The pending request, if any (an invalid one is deleted, said so in the log). */
    static SwitchoverRequest pending(CuratorFramework client, MonitorSettings settings) throws Exception {
        byte[] data;
        try {
            data = client.getData().forPath(settings.layout().switchover());
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
        try {
            return SwitchoverRequest.decode(data);
        } catch (IllegalArgumentException e) {
            log.warn("ignoring an invalid switchover request: {}", e.getMessage());
            client.delete().quietly().forPath(settings.layout().switchover());
            return null;
        }
    }

    void run(GroupActions.VersionedTopology serving, SwitchoverRequest request, Runnable removeRequest)
            throws Exception {
        Topology topology = serving.topology();
        NodeAddress from = topology.master();
        long requestedAt = System.currentTimeMillis();
        // Judged on probes taken now: the round's latest probe of a node that froze a moment ago still says it is fine.
        List<NodeAddress> nodes = new ArrayList<>(topology.replicas());
        nodes.add(from);
        Map<NodeAddress, NodeStatus> now = actions.probe(nodes);
        NodeStatus master = now.get(from);
        PromotionCandidates.OldMaster old =
                PromotionCandidates.OldMaster.handingOver(from, master.replid(), master.offset());
        PromotionCandidates.Choice choice = master.reachable()
                ? PromotionCandidates.choose(topology.replicas(), now, old, request.target())
                : PromotionCandidates.Choice.refused("the master " + from + " is not reachable");
        String leader = actions.settings().id();
        if (choice.node() == null) {
            log.warn("switchover {} refused: {}", request.id(), choice.refusal());
            actions.record(SwitchEvent.switchoverRefused(
                    leader, request.id(), requestedAt, from, topology.epoch(), choice.refusal()));
            removeRequest.run();
            return;
        }
        NodeAddress target = choice.node();
        long started = System.nanoTime();
        Topology switching = topology.switching(Topology.Phase.SWITCHOVER);
        int version = actions.write(switching, serving.version());
        long writtenAt = System.nanoTime();
        memory.sawEpoch(switching.epoch());
        log.info(
                "switchover {} from {} to {}: epoch {} holds writes; waiting for the proxies",
                request.id(),
                from,
                target,
                switching.epoch());
        actions.awaitProxies(switching.epoch(), writtenAt, version);
        memory.proxiesAwaited(version);
        long proxiesMs = FailoverRun.millisSince(started);
        long catchUpStarted = System.nanoTime();
        String lagging = catchUp(from, target, version);
        long catchUpMs = FailoverRun.millisSince(catchUpStarted);
        if (lagging != null) {
            actions.unpause(from, version);
            Topology restored = topology.withEpoch(switching.epoch() + 1, topology.masterIdentity());
            actions.write(restored, version);
            memory.sawEpoch(restored.epoch());
            log.warn(
                    "switchover {} aborted: {}; {} stays master at epoch {}",
                    request.id(),
                    lagging,
                    from,
                    restored.epoch());
            actions.record(SwitchEvent.switchoverAborted(
                    leader,
                    request.id(),
                    requestedAt,
                    from,
                    restored.epoch(),
                    lagging + "; " + from + " stayed master",
                    SwitchEvent.Timings.of(proxiesMs, FailoverRun.millisSince(started))));
            removeRequest.run();
            return;
        }
        List<NodeAddress> others =
                switching.replicas().stream().filter(r -> !r.equals(target)).toList();
        List<NodeAddress> repointed = new ArrayList<>(others);
        repointed.add(from);
        NodeIdentity identity = actions.promote(target, repointed, version);
        // The old master is caught up: it attaches at once, and WAIT counts it from then on, so it is a replica of the
        // new epoch from the start (safe mode's failover counts the topology's replicas).
        Topology promoted = Topology.serving(switching.epoch() + 1, target, identity, repointed);
        int promotedVersion = actions.write(promoted, version);
        memory.sawEpoch(promoted.epoch());
        actions.unpause(from, promotedVersion);
        long totalMs = FailoverRun.millisSince(started);
        log.info(
                "switchover {} done: {} is master at epoch {}; writes were held {} ms",
                request.id(),
                target,
                promoted.epoch(),
                totalMs);
        actions.record(SwitchEvent.switchoverDone(
                leader,
                request.id(),
                requestedAt,
                from,
                target,
                promoted.epoch(),
                from + " handed over to " + target + " with nothing lost (the pause and catch-up took " + catchUpMs
                        + " ms)",
                SwitchEvent.Timings.of(proxiesMs, totalMs)));
        removeRequest.run();
    }

    /**
     * Pauses the old master's writes (no proxy sends any now; this also stops expiries and anyone writing to
     * Redis directly), then waits until the target's offset reaches the master's. Returns null once it has,
     * else why not.
     */
    private String catchUp(NodeAddress from, NodeAddress target, int version) throws Exception {
        long timeoutMs = actions.settings().catchUpTimeout().toMillis();
        try {
            // Long enough for the catch-up and the promotion; unpaused explicitly as soon as it is done.
            actions.pauseWrites(from, timeoutMs + 2_000, version);
            long masterOffset = actions.offset(from);
            if (masterOffset < 0) {
                return "the master " + from + " did not answer after the pause";
            }
            long deadline =
                    System.nanoTime() + actions.settings().catchUpTimeout().toNanos();
            long targetOffset = -1;
            for (int attempt = 0; attempt < 100_000 && System.nanoTime() < deadline; attempt++) {
                targetOffset = actions.offset(target);
                if (targetOffset >= masterOffset) {
                    return null;
                }
                Thread.sleep(1); // a bounded poll of the target's offset
            }
            return target + " reached offset " + targetOffset + " of the master's " + masterOffset + " within "
                    + timeoutMs + " ms";
        } catch (JedisException e) {
            return "catching up failed: " + e.getMessage();
        }
    }

    /**
     * A switchover epoch left by a previous leader while its old master is still a healthy master: that master
     * has every acknowledged write (its writes may still be paused), so it stays, at the next epoch.
     */
    boolean rollBack(GroupActions.VersionedTopology switching) throws Exception {
        Topology topology = switching.topology();
        NodeAddress previous = topology.previousMaster();
        NodeStatus status = previous == null ? null : round.status(previous);
        if (topology.phase() != Topology.Phase.SWITCHOVER
                || status == null
                || !status.reachable()
                || !status.master()) {
            return false;
        }
        log.warn(
                "epoch {} is a switchover left half done: {} is still master, rolling back to it",
                topology.epoch(),
                previous);
        actions.unpause(previous, switching.version());
        NodeIdentity identity = status.identity() != null ? status.identity() : topology.masterIdentity();
        Topology restored = Topology.serving(topology.epoch() + 1, previous, identity, topology.replicas());
        actions.write(restored, switching.version());
        memory.sawEpoch(restored.epoch());
        actions.record(SwitchEvent.switchoverAborted(
                actions.settings().id(),
                null,
                System.currentTimeMillis(),
                previous,
                restored.epoch(),
                "the leader changed mid-switch; " + previous + " stayed master",
                SwitchEvent.Timings.NONE));
        return true;
    }
}

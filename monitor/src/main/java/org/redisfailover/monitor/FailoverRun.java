package org.redisfailover.monitor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.NodeIdentity;
import org.redisfailover.protocol.topology.SwitchEvent;
import org.redisfailover.protocol.topology.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A failover, in two phases fenced by epoch: publish "no master" at e+1, wait until no proxy can still be
 * writing to the failed master ({@link ProxyAcks}), then probe the replicas afresh (they may have moved on
 * since the failure was noticed), promote the best one ({@link PromotionCandidates}), re-point the others,
 * and publish the new master at e+2. With no promotable replica the group stays without a master, writes
 * held and then refused, and the event says why; each later round tries again.
 */
final class FailoverRun {

    private static final Logger log = LoggerFactory.getLogger(FailoverRun.class);

    private final GroupActions actions;
    private final ProbeRound round;
    private final LeaderMemory memory;

    FailoverRun(GroupActions actions, ProbeRound round, LeaderMemory memory) {
        this.actions = actions;
        this.round = round;
        this.memory = memory;
    }

    /** The master of {@code serving} failed ({@code why}, in words): cut it off, then complete the switch. */
    void begin(GroupActions.VersionedTopology serving, String why) throws Exception {
        Topology topology = serving.topology();
        NodeAddress failed = topology.master();
        long decidedAt = System.currentTimeMillis();
        long started = System.nanoTime();
        Long failingSince = round.failingSinceMillis().get(failed);
        Long downSince = round.downSinceMillis().get(failed);
        Long detectionMs = failingSince == null ? null : (downSince == null ? decidedAt : downSince) - failingSince;
        Long decisionMs = downSince == null ? null : decidedAt - downSince;
        Topology switching = topology.switching(Topology.Phase.FAILOVER);
        int version = actions.write(switching, serving.version());
        long writtenAt = System.nanoTime();
        memory.sawEpoch(switching.epoch());
        log.warn("master {} {}: epoch {} has no master; waiting for the proxies", failed, why, switching.epoch());
        actions.awaitProxies(switching.epoch(), writtenAt, version);
        memory.proxiesAwaited(version);
        long proxiesMs = millisSince(started);
        complete(
                new GroupActions.VersionedTopology(switching, version),
                decidedAt,
                started,
                new SwitchEvent.Timings(detectionMs, decisionMs, proxiesMs, null, null));
    }

    /**
     * A topology without a master: a previous leader stopped mid-switch, or no replica could be promoted so far.
     * The proxies are waited on (from now: when that epoch was written is not known here) unless this leader
     * already did, then the switch is completed.
     */
    void resume(GroupActions.VersionedTopology switching) throws Exception {
        long started = System.nanoTime();
        Topology topology = switching.topology();
        if (!memory.proxiesAwaitedAt(switching.version())) {
            log.warn("epoch {} has no master: finishing the switch", topology.epoch());
            actions.awaitProxies(topology.epoch(), System.nanoTime(), switching.version());
            memory.proxiesAwaited(switching.version());
        }
        complete(switching, System.currentTimeMillis(), started, SwitchEvent.Timings.of(millisSince(started), null));
    }

    private void complete(
            GroupActions.VersionedTopology versioned, long decidedAt, long started, SwitchEvent.Timings timings)
            throws Exception {
        Topology switching = versioned.topology();
        NodeAddress failed = switching.previousMaster();
        // In safe mode every replica that may have acknowledged the failed master's writes (the sync set) is a
        // candidate and is counted; otherwise the topology's replicas.
        NodeStatus lastOfFailed = failed == null ? null : round.lastReachable().get(failed);
        SyncMembers members = actions.syncSet()
                .of(failed, switching.replicas(), lastOfFailed == null ? List.of() : lastOfFailed.replicas());
        List<NodeAddress> replicas = members.nodes();
        // Only replicas that answer (or that this round did not probe): one frozen or gone would cost its probe
        // timeout here, and again for its REPLICAOF, and could not be promoted anyway. Reconciliation re-points it
        // when it answers again. The failed master too, when this round finds it answering: it may be back.
        List<NodeAddress> answering = replicas.stream()
                .filter(r -> round.status(r).reachable() || !round.now().containsKey(r))
                .toList();
        List<NodeAddress> probed = new ArrayList<>(answering);
        if (failed != null && round.status(failed).reachable()) {
            probed.add(failed);
        }
        Map<NodeAddress, NodeStatus> fresh = actions.probe(probed);
        PromotionCandidates.OldMaster old = oldMaster(switching, fresh);
        NodeStatus returned = failed == null ? null : fresh.get(failed);
        String back = OldMasterReturn.sameProcess(switching.masterIdentity(), returned, old.replid(), fresh.values());
        if (back != null) {
            restoreOldMaster(versioned, returned, back, decidedAt, started, timings);
            return;
        }
        PromotionCandidates.Choice choice = PromotionCandidates.choose(replicas, fresh, old, null);
        int minReplicaAcks = actions.minReplicaAcks();
        String refusal = choice.node() == null
                ? choice.refusal()
                : SafeQuorum.refusal(members, fresh, old.replid(), minReplicaAcks, choice.node(), choice.offset());
        if (refusal != null) {
            String fromPersistence = OldMasterReturn.fromPersistence(
                    switching.masterIdentity(), returned, old.replid(), replicas, fresh);
            if (fromPersistence != null) {
                restoreOldMaster(versioned, returned, fromPersistence, decidedAt, started, timings);
                return;
            }
            isolateFromFailed(failed, returned, old.replid(), fresh, versioned.version());
            if (memory.recordWaiting(switching.epoch())) {
                log.error(
                        "failover of {}: {}; epoch {} stays without a master until one can be promoted",
                        failed,
                        refusal,
                        switching.epoch());
                actions.record(SwitchEvent.failoverWaiting(
                        actions.settings().id(), decidedAt, failed, switching.epoch(), refusal, timings));
            }
            return;
        }
        NodeAddress candidate = choice.node();
        List<NodeAddress> others =
                replicas.stream().filter(r -> !r.equals(candidate)).toList();
        NodeIdentity identity = actions.promote(
                candidate, others.stream().filter(answering::contains).toList(), versioned.version());
        Topology promoted = new Topology(
                switching.epoch() + 1, candidate, others, Topology.Phase.SERVING, null, identity, round.down(others));
        actions.write(promoted, versioned.version());
        memory.sawEpoch(promoted.epoch());
        long totalMs = millisSince(started);
        NodeStatus chosen = fresh.get(candidate);
        String adopted =
                chosen != null && chosen.master() ? " (already promoted by a switch that did not finish: adopted)" : "";
        String detail = old.offset() < 0
                ? "the master's last offset is unknown to this leader"
                : "the master was last seen at offset " + old.offset() + ", the new master had " + choice.offset()
                        + (choice.offset() < old.offset() ? " (writes after it are lost)" : "");
        log.warn(
                "failover of {} done in {} ms: master {}{} at epoch {}; {}",
                failed,
                totalMs,
                candidate,
                adopted,
                promoted.epoch(),
                detail);
        Long proxiesMs = timings.proxiesMs();
        actions.record(SwitchEvent.failoverDone(
                actions.settings().id(),
                decidedAt,
                failed,
                candidate,
                promoted.epoch(),
                detail + adopted,
                new SwitchEvent.Timings(
                        timings.detectionMs(),
                        timings.decisionMs(),
                        proxiesMs,
                        proxiesMs == null ? null : totalMs - proxiesMs,
                        totalMs)));
    }

    /** The failed master stays (see {@link OldMasterReturn}): it serves again at the next epoch, and the event says why. */
    private void restoreOldMaster(
            GroupActions.VersionedTopology versioned,
            NodeStatus returned,
            String why,
            long decidedAt,
            long started,
            SwitchEvent.Timings timings)
            throws Exception {
        Topology switching = versioned.topology();
        // Isolated by this failover when it came back from its own file: made master again first.
        NodeIdentity identity =
                returned.master() ? returned.identity() : actions.promote(returned.address(), versioned.version());
        Topology restored = new Topology(
                switching.epoch() + 1,
                returned.address(),
                switching.replicas(),
                Topology.Phase.SERVING,
                null,
                identity,
                round.down(switching.replicas()));
        actions.write(restored, versioned.version());
        memory.sawEpoch(restored.epoch());
        log.warn(
                "failover of {} aborted: {}; it is master again at epoch {}",
                returned.address(),
                why,
                restored.epoch());
        actions.record(SwitchEvent.failoverAborted(
                actions.settings().id(),
                decidedAt,
                returned.address(),
                restored.epoch(),
                why,
                SwitchEvent.Timings.of(timings.proxiesMs(), millisSince(started))));
    }

    /**
     * While the group waits without a master, the replicas still following the failed master stop following it, and
     * that master, should it be back as another process without the history, syncs nobody ({@link GroupActions#isolate}):
     * a master that restarted empty would otherwise wipe every replica that syncs from it.
     */
    private void isolateFromFailed(
            NodeAddress failed, NodeStatus returned, String replid, Map<NodeAddress, NodeStatus> fresh, int version)
            throws Exception {
        List<NodeAddress> isolated = new ArrayList<>(fresh.values().stream()
                .filter(s -> s.reachable() && !s.master() && failed != null && failed.equals(s.masterOf()))
                .map(NodeStatus::address)
                .toList());
        if (returned != null && returned.reachable() && returned.master() && !returned.carries(replid)) {
            isolated.add(failed);
        }
        if (!isolated.isEmpty()) {
            log.warn(
                    "failover of {} waits: {} stop replicating from it (it could come back empty and wipe them)",
                    failed,
                    isolated);
            actions.isolate(isolated, version);
        }
    }

    /**
     * What the candidates are judged against: the failed master's replication id as the topology recorded it
     * (not as last probed: a master that restarted empty has a new one), its last offset as this leader saw it
     * on that id, and, without safe mode, the lag cap and the freshness limit on the candidates' links (safe
     * mode's own rule decides alone: a replica it needs must not be left out).
     */
    private PromotionCandidates.OldMaster oldMaster(Topology switching, Map<NodeAddress, NodeStatus> fresh) {
        NodeAddress failed = switching.previousMaster();
        NodeStatus last = failed == null ? null : round.lastReachable().get(failed);
        NodeIdentity recorded = switching.masterIdentity();
        String replid =
                recorded != null && recorded.replid() != null ? recorded.replid() : last == null ? null : last.replid();
        long offset = last != null && last.replid() != null && last.replid().equals(replid) ? last.offset() : -1;
        if (actions.minReplicaAcks() > 0) {
            return PromotionCandidates.OldMaster.failed(failed, replid, offset, -1, -1);
        }
        long goneForMillis =
                LinkFreshness.masterGoneForMillis(round.lastSeenNanos().get(failed), fresh.values(), failed);
        return PromotionCandidates.OldMaster.failed(
                failed,
                replid,
                offset,
                actions.settings().maxLagBytes(),
                goneForMillis < 0 ? -1 : actions.settings().maxLinkDownSeconds(goneForMillis));
    }

    static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}

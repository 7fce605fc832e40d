package org.redisfailover.monitor;

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
        complete(new GroupActions.VersionedTopology(switching, version), decidedAt, started,
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

    private void complete(GroupActions.VersionedTopology versioned, long decidedAt, long started, SwitchEvent.Timings timings)
            throws Exception {
        Topology switching = versioned.topology();
        NodeAddress failed = switching.previousMaster();
        // In safe mode every replica that may have acknowledged the failed master's writes (the sync set) is a
        // candidate and is counted; otherwise the topology's replicas.
        NodeStatus lastOfFailed = failed == null ? null : round.lastReachable().get(failed);
        List<NodeAddress> replicas = actions.syncSet().of(failed, switching.replicas(),
                lastOfFailed == null ? List.of() : lastOfFailed.replicas());
        // Only replicas that answer (or that this round did not probe): one frozen or gone would cost its probe
        // timeout here, and again for its REPLICAOF, and could not be promoted anyway. Reconciliation re-points it
        // when it answers again.
        List<NodeAddress> answering = replicas.stream().filter(r -> round.status(r).reachable() || !round.now().containsKey(r)).toList();
        Map<NodeAddress, NodeStatus> fresh = actions.probe(answering);
        PromotionCandidates.OldMaster old = oldMaster(switching);
        PromotionCandidates.Choice choice = PromotionCandidates.choose(replicas, fresh, old, null);
        String refusal = choice.node() == null ? choice.refusal()
                : SafeQuorum.refusal(replicas, fresh, old.replid(), actions.settings().minReplicaAcks(), choice.node(), choice.offset());
        if (refusal != null) {
            if (memory.recordWaiting(switching.epoch())) {
                log.error("failover of {}: {}; epoch {} stays without a master until one can be promoted", failed, refusal,
                        switching.epoch());
                actions.record(SwitchEvent.failoverWaiting(actions.settings().id(), decidedAt, failed, switching.epoch(), refusal, timings));
            }
            return;
        }
        NodeAddress candidate = choice.node();
        List<NodeAddress> others = replicas.stream().filter(r -> !r.equals(candidate)).toList();
        NodeIdentity identity = actions.promote(candidate, others.stream().filter(answering::contains).toList(), versioned.version());
        Topology promoted = Topology.serving(switching.epoch() + 1, candidate, identity, others);
        actions.write(promoted, versioned.version());
        memory.sawEpoch(promoted.epoch());
        long totalMs = millisSince(started);
        String detail = old.offset() < 0 ? "the master's last offset is unknown to this leader"
                : "the master was last seen at offset " + old.offset() + ", the new master had " + choice.offset()
                        + (choice.offset() < old.offset() ? " (writes after it are lost)" : "");
        log.warn("failover of {} done in {} ms: master {} at epoch {}; {}", failed, totalMs, candidate, promoted.epoch(), detail);
        Long proxiesMs = timings.proxiesMs();
        actions.record(SwitchEvent.failoverDone(actions.settings().id(), decidedAt, failed, candidate, promoted.epoch(), detail,
                new SwitchEvent.Timings(timings.detectionMs(), timings.decisionMs(), proxiesMs,
                        proxiesMs == null ? null : totalMs - proxiesMs, totalMs)));
    }

    /**
     * What the candidates are judged against: the failed master's replication id as the topology recorded it
     * (not as last probed: a master that restarted empty has a new one), its last offset as this leader saw it
     * on that id, and the freshness limit on the candidates' links.
     */
    private PromotionCandidates.OldMaster oldMaster(Topology switching) {
        NodeAddress failed = switching.previousMaster();
        NodeStatus last = failed == null ? null : round.lastReachable().get(failed);
        NodeIdentity recorded = switching.masterIdentity();
        String replid = recorded != null && recorded.replid() != null ? recorded.replid() : last == null ? null : last.replid();
        long offset = last != null && last.replid() != null && last.replid().equals(replid) ? last.offset() : -1;
        Long downSince = failed == null ? null : round.downSinceMillis().get(failed);
        long downForMillis = downSince == null ? 0 : System.currentTimeMillis() - downSince;
        return PromotionCandidates.OldMaster.failed(failed, replid, offset, actions.settings().maxLagBytes(),
                actions.settings().maxLinkDownSeconds(downForMillis));
    }

    static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}

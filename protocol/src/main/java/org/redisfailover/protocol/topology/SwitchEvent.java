package org.redisfailover.protocol.topology;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One entry of the failover history in {@code {root}/events}: a failover or a switchover, done,
 * aborted (the old master kept its place), refused (nothing changed) or, for a failover with no
 * replica to promote, waiting (the group has no master until one can be promoted); or a repair of the
 * topology's master. Built by the named factories below, one per kind of outcome.
 *
 * @param kind        {@code failover}, {@code switchover}, {@code repair} or {@code forget} (a replica given up on;
 *                    {@code from} names it)
 * @param outcome     {@code done}, {@code aborted}, {@code refused} or {@code waiting}
 * @param atMillis    wall-clock time the switch began (milliseconds since the epoch)
 * @param from        the master being replaced
 * @param to          the new master (null unless done)
 * @param epoch       the topology epoch written last
 * @param detail      why, in words (the refusal, the abort's cause, the data a failover may have lost)
 * @param requestId   the {@code switchover} request this answers (null for a failover)
 * @param detectionMs failover only: from this leader's first failed probe of the master to its own verdict
 *                    that the master is down ({@code down-after-failures} failures in a row)
 * @param decisionMs  failover only: from that verdict to the decision to fail over (a majority of monitors
 *                    calling the master down)
 * @param proxiesMs   from the no-master epoch to the last proxy's acknowledgement (or being waited out)
 * @param promotionMs from then to the new master's epoch (for a switchover, includes the catch-up)
 * @param totalMs     from the decision to the new master's epoch: how long writes were held
 * @param leader      the monitor that led the switch
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record SwitchEvent(
        String kind,
        String outcome,
        long atMillis,
        String from,
        String to,
        long epoch,
        String detail,
        String requestId,
        Long detectionMs,
        Long decisionMs,
        Long proxiesMs,
        Long promotionMs,
        Long totalMs,
        String leader) {

    /** How long each phase of a switch took (null where a phase did not happen or is not known). */
    public record Timings(Long detectionMs, Long decisionMs, Long proxiesMs, Long promotionMs, Long totalMs) {

        public static final Timings NONE = new Timings(null, null, null, null, null);

        /** A switch whose proxies took {@code proxiesMs} and which ended {@code totalMs} after it began. */
        public static Timings of(Long proxiesMs, Long totalMs) {
            return new Timings(
                    null, null, proxiesMs, proxiesMs == null || totalMs == null ? null : totalMs - proxiesMs, totalMs);
        }

        public Timings withDetection(Long detection, Long decision) {
            return new Timings(detection, decision, proxiesMs, promotionMs, totalMs);
        }
    }

    private static SwitchEvent of(
            String kind,
            String outcome,
            long atMillis,
            NodeAddress from,
            NodeAddress to,
            long epoch,
            String detail,
            String requestId,
            Timings timings,
            String leader) {
        return new SwitchEvent(
                kind,
                outcome,
                atMillis,
                from == null ? null : from.toString(),
                to == null ? null : to.toString(),
                epoch,
                detail,
                requestId,
                timings.detectionMs(),
                timings.decisionMs(),
                timings.proxiesMs(),
                timings.promotionMs(),
                timings.totalMs(),
                leader);
    }

    public static SwitchEvent failoverDone(
            String leader,
            long atMillis,
            NodeAddress from,
            NodeAddress to,
            long epoch,
            String detail,
            Timings timings) {
        return of("failover", "done", atMillis, from, to, epoch, detail, null, timings, leader);
    }

    /** A failover that found no replica it may promote: the group stays without a master, and this says why. */
    public static SwitchEvent failoverWaiting(
            String leader, long atMillis, NodeAddress from, long epoch, String reason, Timings timings) {
        return of("failover", "waiting", atMillis, from, null, epoch, reason, null, timings, leader);
    }

    /**
     * A failover that did not happen after all: before any replica was promoted, {@code from} answered again as the
     * same process with its data (a stall, a pause, a blip longer than the monitors' patience), or came back from its
     * own persisted data when no replica could be promoted; it stayed master.
     */
    public static SwitchEvent failoverAborted(
            String leader, long atMillis, NodeAddress from, long epoch, String detail, Timings timings) {
        return of("failover", "aborted", atMillis, from, null, epoch, detail, null, timings, leader);
    }

    public static SwitchEvent switchoverDone(
            String leader,
            String requestId,
            long atMillis,
            NodeAddress from,
            NodeAddress to,
            long epoch,
            String detail,
            Timings timings) {
        return of("switchover", "done", atMillis, from, to, epoch, detail, requestId, timings, leader);
    }

    /** A switchover that did not happen after all: {@code from} stayed master. {@code requestId} null for a leader's rollback. */
    public static SwitchEvent switchoverAborted(
            String leader,
            String requestId,
            long atMillis,
            NodeAddress from,
            long epoch,
            String detail,
            Timings timings) {
        return of("switchover", "aborted", atMillis, from, null, epoch, detail, requestId, timings, leader);
    }

    public static SwitchEvent switchoverRefused(
            String leader, String requestId, long atMillis, NodeAddress from, long epoch, String reason) {
        return of("switchover", "refused", atMillis, from, null, epoch, reason, requestId, Timings.NONE, leader);
    }

    /** An operator's {@code forget-replica}: {@code replica} left the topology and the sync set ({@code done}), or not ({@code refused}). */
    public static SwitchEvent forgot(
            String leader,
            String requestId,
            long atMillis,
            NodeAddress replica,
            long epoch,
            boolean done,
            String detail) {
        return of(
                "forget",
                done ? "done" : "refused",
                atMillis,
                replica,
                null,
                epoch,
                detail,
                requestId,
                Timings.NONE,
                leader);
    }

    /** Whether this is a change of master (a failover or a switchover), as opposed to a repair or an operator's forget. */
    public boolean changesMaster() {
        return "failover".equals(kind) || "switchover".equals(kind);
    }

    /** The topology's master was found in a state it must not be in (a replica), and put right. */
    public static SwitchEvent repaired(String leader, long atMillis, NodeAddress master, long epoch, String detail) {
        return of("repair", "done", atMillis, master, master, epoch, detail, null, Timings.NONE, leader);
    }

    public byte[] encode() {
        return ZkJson.encode(this);
    }

    /** Parses an event; throws {@link IllegalArgumentException} when it is not one. */
    public static SwitchEvent decode(byte[] data) {
        return ZkJson.decode(data, SwitchEvent.class, "a switch event");
    }
}

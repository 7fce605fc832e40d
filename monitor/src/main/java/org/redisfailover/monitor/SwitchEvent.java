package org.redisfailover.monitor;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One entry of the failover history in {@code {root}/events}: a failover or a switchover, done,
 * aborted (the old master kept its place), refused (nothing changed) or, for a failover with no
 * replica to promote, waiting (the group has no master until one can be promoted).
 *
 * @param kind        {@code failover} or {@code switchover}
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
 * @param proxiesMs   from the no-master epoch to the last proxy's acknowledgement
 * @param promotionMs from then to the new master's epoch (for a switchover, includes the catch-up)
 * @param totalMs     from the decision to the new master's epoch: how long writes were held
 * @param leader      the monitor that led the switch
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record SwitchEvent(String kind, String outcome, long atMillis, String from, String to, long epoch, String detail, String requestId,
        Long detectionMs, Long decisionMs, Long proxiesMs, Long promotionMs, Long totalMs, String leader) {
}

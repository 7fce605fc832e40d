package org.redisfailover.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.redisfailover.protocol.resp.RespWriter;
import org.redisfailover.protocol.topology.NodeAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which nodes keep one of this loop's connections waiting because a long script or function runs on them.
 *
 * <p>Redis runs nothing else while a script runs: a request pipelined behind the script on its own connection
 * waits for its end, and after {@code busy-reply-threshold} Redis answers requests on other connections with a
 * {@code BUSY} error. So a connection whose oldest request has waited a while is checked: a PING on a connection
 * of its own ({@link BackendConnection.Purpose#URGENT}). Answered BUSY, the node is alive and busy:
 * <ul>
 *   <li>its stalled connections are not torn down at the backend timeout, as a dead node's are, for as long as
 *       checks (repeated every second while the stall lasts) keep answering BUSY: the script's end, or its
 *       SCRIPT KILL or FUNCTION KILL, frees them, and what they carry completes as it would with Redis alone;</li>
 *   <li>new requests for the node get Redis' own BUSY error ({@link #busyLine}), as they would from Redis, instead
 *       of queueing behind the script.</li>
 * </ul>
 * A node with no stalled connection left is forgotten. A check that goes unanswered proves nothing, so the
 * timeout applies as before: a frozen or cut-off node is still given up on. Confined to the loop.
 */
public final class BusyNodes {

    private static final Logger log = LoggerFactory.getLogger(BusyNodes.class);

    /** How often a node is checked again while a connection to it stays stalled. */
    private static final long RECHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Opens a connection of the proxy's own that only logs in, to a node. */
    private final Function<NodeAddress, BackendConnection> opener;

    private final Map<NodeAddress, Check> checks = new HashMap<>();
    private final Set<NodeAddress> stalledThisTick = new HashSet<>();

    /** What is known of one node: its check connection, and what the latest check found. */
    private static final class Check {
        BackendConnection connection;
        boolean inFlight;
        long answeredAtNanos;
        /** The BUSY error of the latest answer, or null when it was not BUSY (or none came yet). */
        String busyLine;

        long busyAtNanos;
    }

    BusyNodes(Function<NodeAddress, BackendConnection> opener) {
        this.opener = opener;
    }

    /**
     * The BUSY error (without '-') Redis would give a request for {@code node} now, or null when it is not known
     * to be busy.
     */
    public String busyLine(NodeAddress node) {
        if (checks.isEmpty()) {
            return null;
        }
        Check check = checks.get(node);
        return check == null ? null : check.busyLine;
    }

    /** How long a request waits before its node is checked: a second, or half the timeout when that is shorter. */
    static long checkAfterNanos(long timeoutNanos) {
        return Math.min(TimeUnit.SECONDS.toNanos(1), timeoutNanos / 2);
    }

    /**
     * A connection to {@code node} has gone at least {@link #checkAfterNanos} without a reply.
     * Checks the node if due; returns whether the connection may go on waiting past the backend timeout because the
     * node answered BUSY within the last timeout.
     */
    boolean stalled(NodeAddress node, long nowNanos, long timeoutNanos) {
        stalledThisTick.add(node);
        Check check = checks.computeIfAbsent(node, n -> new Check());
        if (!check.inFlight && (check.answeredAtNanos == 0 || nowNanos - check.answeredAtNanos >= RECHECK_NANOS)) {
            send(node, check);
        }
        return check.busyLine != null && nowNanos - check.busyAtNanos <= timeoutNanos;
    }

    /** After a round of timeout checks: a node none of whose connections stalled is not busy as far as we wait. */
    void endOfRound() {
        new ArrayList<>(checks.keySet())
                .stream().filter(node -> !stalledThisTick.contains(node)).forEach(this::forget);
        stalledThisTick.clear();
    }

    /** A stalled connection to {@code node} took a reply: the script ended (or was killed), new requests go on. */
    void forget(NodeAddress node) {
        Check check = checks.remove(node);
        if (check == null) {
            return;
        }
        if (check.busyLine != null) {
            log.info("{} no longer keeps a connection waiting: the long script ended", node);
        }
        if (check.connection != null) {
            check.connection.close();
        }
    }

    private void send(NodeAddress node, Check check) {
        if (check.connection == null || check.connection.isClosed()) {
            check.connection = opener.apply(node);
        }
        check.inFlight = true;
        check.connection.send(RespWriter.request(ByteBufAllocator.DEFAULT, "PING"), new Answer(node, check), null);
    }

    /** The answer to one check. */
    private final class Answer extends PendingReply {
        private final NodeAddress node;
        private final Check check;

        Answer(NodeAddress node, Check check) {
            this.node = node;
            this.check = check;
        }

        @Override
        public boolean onFrame(ByteBuf buffer, int start, int length) {
            String answer =
                    buffer.toString(start, length, StandardCharsets.UTF_8).strip();
            if (settled()) {
                busy(answer.startsWith("-BUSY") ? answer.substring(1) : null);
            }
            return true;
        }

        /** No answer: that proves nothing, so the node's last answer (and its time) stands. */
        @Override
        public void lost(NodeAddress lostNode, String reason) {
            settled();
        }

        @Override
        public void refused(String errorLine) {
            if (settled() && errorLine.startsWith("BUSY")) {
                busy(errorLine);
            }
        }

        /** Ends the check; false when the node was forgotten meanwhile. */
        private boolean settled() {
            if (checks.get(node) != check) {
                return false;
            }
            check.inFlight = false;
            check.answeredAtNanos = System.nanoTime();
            return true;
        }

        private void busy(String busyLine) {
            if (busyLine != null && check.busyLine == null) {
                log.atWarn()
                        .addKeyValue("event", "backend_busy")
                        .addKeyValue("node", node)
                        .log(
                                "{} is running a long script ({}): requests behind it wait for it, new ones get its"
                                        + " BUSY error; SCRIPT KILL or FUNCTION KILL through the proxy reaches it",
                                node,
                                busyLine);
            }
            check.busyLine = busyLine;
            if (busyLine != null) {
                check.busyAtNanos = check.answeredAtNanos;
            }
        }
    }
}

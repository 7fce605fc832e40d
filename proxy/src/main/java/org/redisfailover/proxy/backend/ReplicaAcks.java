package org.redisfailover.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.errors.ProxyErrors;
import org.redisfailover.proxy.metrics.ProxyMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit on one write connection (safe mode, {@code min-replica-acks}): the replies of the writes
 * sent since the last WAIT are kept until a {@code WAIT replicas timeout} sent after them answers. With
 * enough replicas they go to their clients as Redis sent them; with too few, each becomes an
 * outcome-unknown error (the write was applied on the master, but a failover may lose it), never OK.
 * Only a reply that proves the write changed nothing ({@link NothingWritten}) goes at once. WAIT counts the acknowledgements of the connection's
 * own last write, so it must travel on the connection that carried the writes. Confined to the
 * connection's event loop.
 */
final class ReplicaAcks {

    private static final Logger log = LoggerFactory.getLogger(ReplicaAcks.class);
    private static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final NodeAddress node;
    private final int replicas;
    private final long timeoutMillis;
    private final ProxyMetrics metrics;
    private List<Held> batch = new ArrayList<>();
    private long lastLoggedNanos = System.nanoTime() - LOG_EVERY_NANOS;

    ReplicaAcks(NodeAddress node, int replicas, long timeoutMillis, ProxyMetrics metrics) {
        this.node = node;
        this.replicas = replicas;
        this.timeoutMillis = timeoutMillis;
        this.metrics = metrics;
    }

    /** Wraps a write's slot so that its reply waits for the next WAIT, unless it is one that {@code proof} accepts. */
    PendingReply hold(PendingReply slot, NothingWritten proof) {
        Held held = new Held(slot, proof);
        batch.add(held);
        return held;
    }

    /** True when writes were sent since the last WAIT. */
    boolean unwaited() {
        return !batch.isEmpty();
    }

    /** Ends the batch: the WAIT to send after it, and the slot its answer goes to. */
    PendingReply closeBatch() {
        metrics.replicaAckWaits.mark();
        WaitReply wait = new WaitReply(batch);
        batch = new ArrayList<>();
        return wait;
    }

    String[] waitCommand() {
        return new String[] {"WAIT", Integer.toString(replicas), Long.toString(timeoutMillis)};
    }

    /** A write's reply, kept (copied: the framer reuses its buffer) until its WAIT answers. */
    private static final class Held extends PendingReply {
        final PendingReply slot;
        final NothingWritten proof;
        ByteBuf reply;
        boolean delivered;

        Held(PendingReply slot, NothingWritten proof) {
            this.slot = slot;
            this.proof = proof;
        }

        @Override
        public boolean onFrame(ByteBuf buffer, int start, int length) {
            byte type = buffer.getByte(start);
            if (proof.proves(type, isNull(buffer, start, length))) {
                // Nothing was written, nothing to acknowledge.
                delivered = true;
                slot.onFrame(buffer, start, length);
            } else {
                reply = Unpooled.copiedBuffer(buffer.slice(start, length));
            }
            return true;
        }

        @Override
        public void lost(NodeAddress node, String reason) {
            delivered = true;
            slot.lost(node, reason);
        }

        @Override
        public void refused(String errorLine) {
            delivered = true;
            slot.refused(errorLine);
        }

        @Override
        public void unsent(RedisRequest request, String errorLine) {
            delivered = true;
            slot.unsent(request, errorLine);
        }

        @Override
        public boolean timed() {
            return slot.timed();
        }

        /** A blocking call's reply may take as long as Redis holds it: no backend timeout, as for the call itself. */
        @Override
        public boolean mayBlock() {
            return slot.mayBlock();
        }

        /** The first line of an error reply, without its type byte (a blob error's text after its length). */
        private static String errorText(ByteBuf error) {
            String text = error.toString(StandardCharsets.UTF_8);
            if (text.startsWith("!")) {
                int lineEnd = text.indexOf("\r\n");
                text = lineEnd < 0 ? text : text.substring(lineEnd + 2);
            } else {
                text = text.substring(1);
            }
            int end = text.indexOf("\r\n");
            return end < 0 ? text : text.substring(0, end);
        }

        private static boolean isNull(ByteBuf buffer, int start, int length) {
            byte type = buffer.getByte(start);
            return (type == '_' && length == 3)
                    || ((type == '$' || type == '*')
                            && length == 5
                            && buffer.getByte(start + 1) == '-'
                            && buffer.getByte(start + 2) == '1');
        }

        /** Gives the kept reply, or the outcome-unknown error, to the client; true when that was the error. */
        boolean release(boolean acknowledged, NodeAddress lostNode, String why) {
            if (delivered) {
                return false;
            }
            delivered = true;
            ByteBuf kept = reply;
            reply = null;
            if (kept == null) {
                slot.lost(lostNode, why); // no reply came before the WAIT's outcome: the connection broke
                return true;
            }
            try {
                if (acknowledged) {
                    slot.onFrame(kept, kept.readerIndex(), kept.readableBytes());
                    return false;
                }
                byte type = kept.getByte(kept.readerIndex());
                // A script's error: what it wrote before failing stays, unacknowledged; the client hears both.
                slot.refused(
                        type == '-' || type == '!'
                                ? why + "; the command failed after it may have written: " + errorText(kept)
                                : why);
                return true;
            } finally {
                kept.release();
            }
        }
    }

    /** The answer to one batch's WAIT: how many replicas acknowledged every write of the batch. */
    private final class WaitReply extends PendingReply {
        private final List<Held> held;

        WaitReply(List<Held> held) {
            this.held = held;
        }

        @Override
        public boolean onFrame(ByteBuf buffer, int start, int length) {
            String line =
                    buffer.toString(start, length, StandardCharsets.US_ASCII).strip();
            long acknowledged = line.startsWith(":") ? parse(line.substring(1)) : -1;
            boolean enough = acknowledged >= replicas;
            String why = enough ? null : ReplicaAcks.outcomeUnknown(acknowledged, replicas, timeoutMillis, line);
            int unacknowledged = 0;
            for (Held h : held) {
                unacknowledged += h.release(enough, null, why) ? 1 : 0;
            }
            if (!enough) {
                unacknowledged(unacknowledged, why);
            }
            return true;
        }

        @Override
        public void lost(NodeAddress lostNode, String reason) {
            String why = ProxyErrors.lostBeforeAcknowledged(lostNode, reason);
            int unacknowledged = 0;
            for (Held h : held) {
                unacknowledged += h.release(false, lostNode, why) ? 1 : 0;
            }
            unacknowledged(unacknowledged, why);
        }

        @Override
        public void refused(String errorLine) {
            lost(null, errorLine);
        }

        @Override
        public boolean mayBlock() {
            return true; // WAIT blocks by design, for up to its own timeout
        }
    }

    /** Never silent: counted, and logged at most every ten seconds per write connection. */
    private void unacknowledged(int writes, String why) {
        if (writes == 0) {
            return;
        }
        metrics.writesUnacknowledged.mark(writes);
        long now = System.nanoTime();
        if (now - lastLoggedNanos >= LOG_EVERY_NANOS) {
            lastLoggedNanos = now;
            log.atWarn()
                    .addKeyValue("event", "writes_unacknowledged")
                    .addKeyValue("node", node)
                    .addKeyValue("writes", writes)
                    .log("{} write(s) on {} answered with an outcome-unknown error: {}", writes, node, why);
        }
    }

    private static long parse(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static String outcomeUnknown(long acknowledged, int replicas, long timeoutMillis, String waitAnswer) {
        String count = acknowledged < 0
                ? "WAIT answered " + waitAnswer
                : "only " + acknowledged + " of " + replicas + " replicas acknowledged it within " + timeoutMillis
                        + " ms";
        return ProxyErrors.notAcknowledged(count, replicas);
    }
}

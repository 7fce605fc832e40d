package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.redis.RedisMessage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.redisfailover.protocol.command.BlockingTimeout;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.resp.RespVersion;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.BackendConnection;
import org.redisfailover.proxy.backend.PendingReply;
import org.redisfailover.proxy.errors.ProxyErrors;

/**
 * One blocking command (BLPOP, XREAD BLOCK, WAIT, ...) on a connection borrowed for the call, so that it
 * never holds up a shared connection.
 *
 * <p>When the master changes under it, the call is sent again to the new master with what is left of
 * its timeout, where that cannot run it twice: when Redis itself unblocked it because the node was
 * demoted ({@code -UNBLOCKED}: nothing was served), and for XREAD, which changes nothing. A pop whose
 * connection died may have been served just before, so it ends as any write in flight does, with an
 * {@code UNCERTAIN} error; WAIT ends with an error, since the new master never saw the client's writes.
 */
final class BlockingCall extends PendingReply {

    private final BlockingLane lane;
    private final ReplySlot slot;
    /** The client's protocol when the call was made: what its timeout reply is written in. */
    private final RespVersion protocol;

    private final List<byte[]> args;
    private final String name;
    /** The call may write (a pop or a move): in safe mode its reply waits for the replicas. */
    private final boolean mayWrite;

    private final BlockingTimeout timeout;
    private final long startedNanos = System.nanoTime();
    private BackendConnection connection;
    private long interruptedAtNanos;

    BlockingCall(BlockingLane lane, ReplySlot slot, List<byte[]> args, RespVersion protocol, boolean mayWrite) {
        this.lane = lane;
        this.slot = slot;
        this.protocol = protocol;
        this.args = args;
        this.mayWrite = mayWrite;
        this.name = new String(args.get(0), StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
        this.timeout = BlockingTimeout.of(args);
    }

    String name() {
        return name;
    }

    boolean mayWrite() {
        return mayWrite;
    }

    ReplySlot slot() {
        return slot;
    }

    BackendConnection connection() {
        return connection;
    }

    void sentOn(BackendConnection borrowed) {
        this.connection = borrowed;
    }

    /** The arguments for sending the call again now: the original ones with the timeout that is left. */
    List<byte[]> argsForNow() {
        if (timeout == null || timeout.valueMillis(args) == 0) {
            return args;
        }
        return timeout.withRemaining(args, remainingMillis());
    }

    /** True when the call's own timeout has passed (a call without a timeout never expires). */
    boolean expired() {
        return timeout != null && timeout.valueMillis(args) > 0 && remainingMillis() <= 0;
    }

    private long remainingMillis() {
        return timeout.valueMillis(args) - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }

    /** What Redis answers when the timeout passes with nothing to serve. */
    RedisMessage timedOutReply() {
        return switch (name) {
            case "brpoplpush", "blmove" -> Replies.nullBulk(protocol);
            default -> Replies.nullArray(protocol);
        };
    }

    /** Nanoseconds since the master changed under the call (its first interruption). */
    long interruptedForNanos() {
        return System.nanoTime() - interruptedAtNanos;
    }

    private void interrupted() {
        if (interruptedAtNanos == 0) {
            interruptedAtNanos = System.nanoTime();
        }
    }

    /** How Redis unblocks calls when a master becomes a replica (Valkey says the same). */
    static final String DEMOTED = "-UNBLOCKED force unblock from blocking operation, instance state changed";

    @Override
    public boolean onFrame(ByteBuf buffer, int start, int length) {
        // A master demoted under the call: nothing was served. Redis says UNBLOCKED for other reasons too (an
        // XREADGROUP whose stream was deleted, CLIENT UNBLOCK ... ERROR): those are the client's answer.
        if (Replies.startsWith(buffer, start, length, DEMOTED)) {
            interrupted();
            if (name.equals("wait")) {
                slot.complete(Replies.error(ProxyErrors.MASTER_CHANGED_DURING_WAIT));
                lane.done(this, false);
            } else {
                lane.interrupted(this, "the master was demoted");
            }
            return true;
        }
        String redirection = Redirected.redirection(buffer, start, length);
        if (redirection != null) {
            // A cluster's slot moved or is moving (under the blocked call, or before it was sent), or its shard is
            // failing over: nothing was served.
            interrupted();
            lane.redirected(this, redirection);
            return true;
        }
        slot.complete(buffer, start, length);
        lane.done(this, true);
        return true;
    }

    @Override
    public void lost(NodeAddress node, String reason) {
        interrupted();
        if (name.equals("xread")) {
            lane.interrupted(this, reason);
        } else if (name.equals("wait")) {
            slot.complete(Replies.error(ProxyErrors.lostDuringWait(node, reason)));
            lane.done(this, false);
        } else {
            slot.completeLost(node, reason);
            lane.done(this, false);
        }
    }

    @Override
    public void refused(String errorLine) {
        slot.refused(errorLine);
        lane.done(this, false);
    }

    @Override
    public boolean mayBlock() {
        return true;
    }
}

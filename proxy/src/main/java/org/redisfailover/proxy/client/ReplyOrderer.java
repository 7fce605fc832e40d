package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.proxy.config.OutputLimits;
import org.redisfailover.proxy.io.FlushBatcher;
import org.redisfailover.proxy.io.Flushable;
import org.redisfailover.proxy.io.HalfClose;
import org.redisfailover.proxy.io.WriteCoalescer;
import org.redisfailover.proxy.loop.ClientOutputBudget;
import org.redisfailover.proxy.loop.ProxyShared;
import org.redisfailover.proxy.loop.RepliesAwaitingLease;
import org.redisfailover.proxy.metrics.RequestCounts;
import org.redisfailover.proxy.metrics.SampledLatency;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's replies, in the order of its requests, however the nodes behind the proxy interleave them.
 *
 * <p>Every request gets a {@link ReplySlot} when it is run; a reply is written when its slot reaches the
 * head. In the common case the slot is already at the head and the reply's bytes go straight from the
 * backend's buffer to the client's; otherwise the slot keeps a retained slice until the slots before it
 * are answered. Also here: CLIENT REPLY (a suppressed reply is read and dropped), the output limit, the
 * close after QUIT or a protocol error, and flushing (at once when the client has every reply it asked
 * for, else once per loop turn). Confined to the client's event loop.
 */
final class ReplyOrderer implements Flushable, ClientOutputBudget.Holder {

    private static final Logger log = LoggerFactory.getLogger(ReplyOrderer.class);

    /** Told when a slot's reply is in (written or waiting its turn) and when the queue has shrunk. */
    interface Answers {
        void answered(ReplySlot slot);

        void drained();
    }

    /** CLIENT REPLY: ON, OFF (no replies until ON), SKIP (none for the next command). */
    enum ReplyMode {
        ON,
        OFF,
        SKIP
    }

    /** How long a gracefully closed client has to close its side before the proxy closes the connection. */
    private static final long GRACEFUL_LINGER_MS = 1000;

    private final ArrayDeque<ReplySlot> replies = new ArrayDeque<>();
    private final Channel channel;
    private final WriteCoalescer out;
    private final FlushBatcher batcher;
    private final ProxyShared shared;
    private final Backpressure backpressure;
    private Answers answers;
    private boolean flushQueued;
    private boolean closing;
    private boolean closed;
    private boolean repliesOff;
    private boolean skipNextReply;
    /** Subscribed: the pub/sub output limits apply (Redis' {@code pubsub} class). */
    private boolean pubsub;
    /** Since when a subscriber has held more than the pub/sub soft limit (0: it does not). */
    private long overSoftLimitSinceNanos;
    /** Counted in the {@link ClientOutputBudget}. */
    private boolean inBudget;
    /** A moving average of this client's reply sizes from Redis (half weight to each new one), for its in-flight window. */
    private int replyBytesAverage = RequestSequencer.FIRST_REPLY_GUESS;
    /** Requests until the next one timed for the latency histograms. */
    private int untilSampled = SampledLatency.nextSampleIn();
    /** This loop's requests not yet added to {@code requests_total}. */
    private final RequestCounts requestCounts;
    /** Where the replies of writes that came back after the ZooKeeper write lease lapsed wait for it (this loop's). */
    private final RepliesAwaitingLease awaitingLease;

    ReplyOrderer(
            Channel channel,
            FlushBatcher batcher,
            RequestCounts requestCounts,
            RepliesAwaitingLease awaitingLease,
            ProxyShared shared,
            Backpressure backpressure) {
        this.channel = channel;
        this.awaitingLease = awaitingLease;
        this.requestCounts = requestCounts;
        this.out = new WriteCoalescer(channel, 512);
        this.batcher = batcher;
        this.shared = shared;
        this.backpressure = backpressure;
    }

    void answers(Answers listener) {
        this.answers = listener;
    }

    /** False once the client is closing or closed: nothing more is run or written for it. */
    boolean isOpen() {
        return !closing && !closed;
    }

    int size() {
        return replies.size();
    }

    /** About how large this client's replies from Redis are (a moving average). */
    int replyBytesAverage() {
        return replyBytesAverage;
    }

    boolean isEmpty() {
        return replies.isEmpty();
    }

    /**
     * A new slot at the tail, for a request of {@code route} sent to Redis: sampled for latency under its
     * routing class, and suppressed if CLIENT REPLY says so.
     */
    ReplySlot newSlot(Route route, boolean lossIsDefinite) {
        ReplySlot slot = newSlot(lossIsDefinite);
        sample(slot, route);
        return slot;
    }

    /** A new slot at the tail for a reply the proxy makes itself (now or later), suppressed if CLIENT REPLY says so. */
    ReplySlot newSlot(boolean lossIsDefinite) {
        ReplySlot slot = new ReplySlot(this, lossIsDefinite);
        slot.suppress(suppressThisReply());
        replies.add(slot);
        return slot;
    }

    /** Queues a reply the proxy built itself, in order behind any outstanding ones. */
    void replyLocal(RedisMessage reply) {
        newSlot(true).complete(reply);
    }

    /** Queues a reply the proxy wrote as RESP bytes (ownership passes). */
    void replyLocal(ByteBuf reply) {
        newSlot(true).complete(reply);
    }

    /** Queues a reply after which the connection closes (QUIT, protocol errors). */
    void replyThenClose(RedisMessage reply) {
        replyLocal(reply);
        closeAfterReplies();
    }

    /** Closes the connection once the replies queued before are written. */
    void closeAfterReplies() {
        ReplySlot marker = new ReplySlot(this, false);
        replies.add(marker);
        marker.complete(ReplySlot.CLOSE);
    }

    /**
     * Closes the connection gracefully, with nothing more written: the replies already written are
     * flushed first and reach the client whole (a graceful stop of the proxy, at the client's rest).
     */
    void closeGracefully() {
        closing = true;
        out.flush();
        HalfClose.afterWrites(channel, GRACEFUL_LINGER_MS);
    }

    /** Closes the connection now, with nothing more written (an attack, the output limit). */
    void closeNow() {
        closing = true;
        backpressure.stop();
        channel.close();
    }

    /** CLIENT REPLY, as Redis applies it: OFF until ON; SKIP for the command after it (pushes excepted). */
    void replyMode(ReplyMode mode) {
        repliesOff = mode == ReplyMode.OFF;
        skipNextReply = mode == ReplyMode.SKIP;
    }

    /** Whether the reply of the command being run now is to be left unwritten (CLIENT REPLY itself has none). */
    private boolean suppressThisReply() {
        if (skipNextReply) {
            skipNextReply = false;
            return true;
        }
        return repliesOff;
    }

    /**
     * A message (or any frame that answers no request: a tracking invalidation): written now if nothing is owed
     * before it, else in order. CLIENT REPLY does not apply: Redis 7 delivers pub/sub messages and
     * invalidations to a client whose replies are off, in RESP2 and RESP3.
     */
    void deliverPush(ByteBuf buffer, int start, int length) {
        if (!isOpen()) {
            return;
        }
        if (replies.isEmpty()) {
            out.write(buffer, start, length);
            afterWrite();
        } else {
            ReplySlot slot = new ReplySlot(this, true);
            replies.add(slot);
            slot.complete(buffer.retainedSlice(start, length));
        }
    }

    /**
     * A reply from Redis for {@code slot}, as a range of the backend's buffer valid during this call.
     * In the common case the slot is next in line and the bytes go straight to the client's write
     * buffer; otherwise the slot keeps a retained slice until the replies before it are written.
     */
    void onReply(ReplySlot slot, ByteBuf buffer, int start, int length) {
        replyBytesAverage += (length - replyBytesAverage) >> 1;
        if (!isOpen()) {
            return; // nothing more is written to a client that is closing
        }
        if (!slot.lossIsDefinite() && !shared.topology().acknowledgesWrites()) {
            // The ZooKeeper write lease lapsed while this write was on its way: a monitor may be promoting another
            // master,
            // so the reply waits for ZooKeeper's next word on the topology.
            awaitingLease.await(slot::complete, buffer.retainedSlice(start, length));
            return;
        }
        if (replies.peekFirst() == slot) {
            replies.pollFirst();
            slot.answeredInPlace();
            if (!slot.suppressed()) {
                out.write(buffer, start, length);
                afterWrite();
            }
            drain();
            answered(slot);
        } else {
            slot.complete(buffer.retainedSlice(start, length));
        }
    }

    /** Called by a slot when its reply is in; writes every reply that is now at the head. */
    void onSlotDone(ReplySlot slot) {
        if (closed) {
            ReferenceCountUtil.release(slot.takeReply());
            return;
        }
        if (replies.peekFirst() == slot) {
            drain();
        }
        answered(slot);
    }

    private void answered(ReplySlot slot) {
        slot.recordLatency();
        answers.answered(slot);
    }

    private void drain() {
        boolean wrote = false;
        while (!replies.isEmpty() && replies.peekFirst().done() && isOpen()) {
            ReplySlot head = replies.pollFirst();
            Object reply = head.takeReply();
            if (reply == ReplySlot.CLOSE) {
                // QUIT or a protocol error: deliver what precedes, then close.
                closeAfterPendingWrites();
                return;
            }
            if (head.suppressed()) {
                ReferenceCountUtil.release(reply);
                continue;
            }
            if (reply instanceof ByteBuf bytes) {
                out.write(bytes);
                bytes.release();
            } else {
                out.writeMessage(reply);
            }
            wrote = true;
        }
        if (wrote) {
            afterWrite();
        }
        answers.drained();
    }

    private void afterWrite() {
        if (replies.isEmpty()) {
            // The client has every reply it asked for and is waiting for them: send now rather than at
            // the end of the loop turn. Either way it is one write; this one is just earlier.
            flushNow();
        } else if (!flushQueued) {
            flushQueued = true;
            batcher.flushLater(this);
        }
        checkOutputLimit();
    }

    private void closeAfterPendingWrites() {
        closing = true;
        backpressure.stop();
        out.flush();
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /** The client subscribed (true) or left subscribed mode: which output limits apply. */
    void pubsub(boolean subscribed) {
        pubsub = subscribed;
        overSoftLimitSinceNanos = 0;
    }

    /**
     * The client's socket drained (it is writable again): what it holds now is reported, so that the budget
     * does not go on counting bytes it has read.
     */
    void outputDrained() {
        if (inBudget && isOpen()) {
            checkOutputLimit();
        }
    }

    /**
     * Closes a client whose unsent replies pass its limit (the pub/sub limits for a subscriber, hard or soft
     * for long enough), as Redis does with {@code client-output-buffer-limit}, and reports it to the budget.
     */
    private void checkOutputLimit() {
        ChannelOutboundBuffer outbound = channel.unsafe().outboundBuffer();
        long unsent = out.pendingBytes() + (outbound == null ? 0 : outbound.totalPendingWriteBytes());
        OutputLimits limits = shared.config().outputLimits();
        long hard = pubsub ? Math.min(limits.pubsubHardBytes(), limits.clientBytes()) : limits.clientBytes();
        if (unsent > hard) {
            log.warn(
                    "client {} closed: {} bytes of replies unread, over the {} byte {}output limit",
                    channel.remoteAddress(),
                    unsent,
                    hard,
                    pubsub ? "pub/sub " : "");
            closeNow();
            return;
        }
        if (pubsub && limits.pubsubSoftBytes() > 0 && unsent > limits.pubsubSoftBytes()) {
            long now = System.nanoTime();
            if (overSoftLimitSinceNanos == 0) {
                overSoftLimitSinceNanos = now;
            } else if (now - overSoftLimitSinceNanos >= limits.pubsubSoftTime().toNanos()) {
                log.warn(
                        "client {} closed: over the {} byte pub/sub soft output limit for {} s ({} bytes unread)",
                        channel.remoteAddress(),
                        limits.pubsubSoftBytes(),
                        limits.pubsubSoftTime().toSeconds(),
                        unsent);
                closeNow();
                return;
            }
        } else {
            overSoftLimitSinceNanos = 0;
        }
        if (inBudget || unsent >= ClientOutputBudget.TRACKED) {
            inBudget = unsent >= ClientOutputBudget.TRACKED;
            shared.outputBudget().holds(this, unsent, ClientOutputBudget.resolve(limits.budgetBytes()));
        }
    }

    /** Told by the budget (on any thread) that this client is among the biggest holders past it. */
    @Override
    public void closeOverBudget(long held, long budget) {
        channel.eventLoop().execute(() -> {
            inBudget = false;
            if (isOpen()) {
                log.warn(
                        "client {} closed: {} bytes of replies unread, and all clients together are over the {} byte "
                                + "client-output-budget-bytes (the biggest holders are closed first)",
                        channel.remoteAddress(),
                        held,
                        budget);
                closeNow();
            }
        });
    }

    @Override
    public void flushNow() {
        flushQueued = false;
        requestCounts
                .addUncounted(); // before the replies go out: a client that has its reply finds its request counted
        out.flush();
    }

    /** Times a random sample of the requests sent to Redis, from now to their reply. */
    private void sample(ReplySlot slot, Route route) {
        if (shared.metrics().recording() && --untilSampled <= 0) {
            untilSampled = SampledLatency.nextSampleIn();
            slot.time(shared.metrics().requests(route.routingClass())); // looked up for the sampled requests only
        }
    }

    /** The client is gone: what was answered is released; replies still owed are released as they arrive. */
    void discardAll() {
        closed = true;
        requestCounts.addUncounted();
        for (ReplySlot slot : replies) {
            if (slot.done()) {
                ReferenceCountUtil.release(slot.takeReply());
            }
        }
        replies.clear();
        out.discard();
        if (inBudget) {
            inBudget = false;
            shared.outputBudget().forget(this);
        }
    }
}

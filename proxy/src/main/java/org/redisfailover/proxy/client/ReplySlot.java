package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.PendingReply;
import org.redisfailover.proxy.errors.ProxyErrors;
import org.redisfailover.proxy.loop.HeldRequests;
import org.redisfailover.proxy.metrics.SampledLatency;

/**
 * The place of one request's reply in its client's reply order. A slot is created when the request is
 * read, queued both on the client (for ordering) and on the backend connection that carries it (for
 * matching), and filled when the reply arrives, in whatever order the nodes answer.
 */
final class ReplySlot extends PendingReply implements HeldRequests.Slot {

    /** Fills the slot after which the client connection closes (QUIT, protocol errors). */
    static final Object CLOSE = new Object();

    private final ReplyOrderer owner;
    /** Losing the reply means the request had no effect (a read, a command queued in MULTI): a definite error is honest. */
    private final boolean lossIsDefinite;
    /** Set for requests sent to Redis: the sequencer counts them until their replies are in. */
    private boolean forwarded;
    /** Counted as a write in flight, for the read-your-writes policy. */
    private boolean write;
    /** Set while the request waits on a shared connection: who routes it again, and how, if that connection fails first. */
    private Routing resender;

    private Route route;
    /** When the request was first held for a master (0: never): held again after a release, it keeps this time. */
    private long heldSinceNanos;
    /** CLIENT REPLY OFF or SKIP was in force when the request was read: the reply is not written. */
    private boolean suppressed;
    /** Where the time from reading the request to its reply is recorded: set only for sampled requests. */
    private SampledLatency latency;

    private long readAtNanos;
    private Object reply;
    private boolean done;

    ReplySlot(ReplyOrderer owner, boolean lossIsDefinite) {
        this.owner = owner;
        this.lossIsDefinite = lossIsDefinite;
    }

    /** The request goes to Redis: counted until its reply is in, and as a write in flight when {@code countedAsWrite}. */
    void forwarded(boolean countedAsWrite) {
        forwarded = true;
        write = countedAsWrite;
    }

    /** Whether the slot was counted as forwarded; true once only (its reply is counted once). */
    boolean takeForwarded() {
        boolean was = forwarded;
        forwarded = false;
        return was;
    }

    /** Whether the slot was counted as a write in flight; true once only. */
    boolean takeWrite() {
        boolean was = write;
        write = false;
        return was;
    }

    /** The request is held for a master now; only its first hold counts, so the hold timeout bounds the whole wait. */
    @Override
    public void heldNow(long nowNanos) {
        if (heldSinceNanos == 0) {
            heldSinceNanos = nowNanos;
        }
    }

    /** When the request was first held for a master. */
    @Override
    public long heldSinceNanos() {
        return heldSinceNanos;
    }

    void suppress(boolean value) {
        suppressed = value;
    }

    /** CLIENT REPLY OFF or SKIP was in force when the request was read: the reply is read but not written. */
    boolean suppressed() {
        return suppressed;
    }

    /** Times the request from now to its reply into {@code into} (a sampled request). */
    void time(SampledLatency into) {
        latency = into;
        readAtNanos = System.nanoTime();
    }

    /** Records a sampled request's time to its reply, once. */
    void recordLatency() {
        if (latency != null) {
            latency.record(System.nanoTime() - readAtNanos);
            latency = null;
        }
    }

    /** The request goes out on a shared connection: if that fails before sending it, {@code routing} may hold it for a master. */
    void resendVia(Routing routing, Route requestRoute) {
        resender = routing;
        route = requestRoute;
    }

    /** True for requests without side effects: a lost reply can honestly be reported as an error. */
    public boolean lossIsDefinite() {
        return lossIsDefinite;
    }

    @Override
    public boolean timed() {
        return latency != null;
    }

    /** The backend's reply (a ByteBuf, ownership passes) or a locally built RedisMessage. */
    public void complete(Object message) {
        if (done) {
            ReferenceCountUtil.release(message);
            throw new IllegalStateException("reply slot completed twice");
        }
        reply = message;
        done = true;
        owner.onSlotDone(this);
    }

    /**
     * The reply from Redis: {@code length} bytes of {@code buffer} at {@code start}, valid during the
     * call. The client copies them out at once if this slot is next in its reply order, else keeps a
     * retained slice until the slots before it are answered.
     */
    public void complete(ByteBuf buffer, int start, int length) {
        if (done) {
            throw new IllegalStateException("reply slot completed twice");
        }
        owner.onReply(this, buffer, start, length);
    }

    @Override
    public boolean onFrame(ByteBuf buffer, int start, int length) {
        complete(buffer, start, length);
        return true;
    }

    @Override
    public void lost(NodeAddress node, String reason) {
        completeLost(node, reason);
    }

    @Override
    public void refused(String errorLine) {
        complete(Replies.error(errorLine));
    }

    @Override
    public void unsent(RedisRequest request, String errorLine) {
        Routing routing = resender;
        Route again = route;
        resender = null;
        route = null;
        if (routing == null || !routing.holdUnsent(request, again, this)) {
            request.release();
            refused(errorLine);
        }
    }

    /**
     * The request was sent but its connection died before the reply. A read gets a plain error: it had
     * no effect. Anything else may or may not have run, and its error says exactly that, with its own
     * code, rather than a definite failure (docs/FAILOVER.md, "A write in flight when the master dies").
     * The client connection stays open: closing it would make at-least-once clients (Lettuce, ioredis)
     * send the write again on their own, which can apply it twice.
     */
    public void completeLost(NodeAddress node, String reason) {
        complete(Replies.error(ProxyErrors.lostBeforeReply(node, reason, lossIsDefinite)));
    }

    boolean done() {
        return done;
    }

    /** Its reply was written to the client straight from the backend's buffer (it was next in line): it is done too. */
    void answeredInPlace() {
        done = true;
    }

    /** Hands the reply over (the slot no longer owns it). */
    Object takeReply() {
        Object taken = reply;
        reply = null;
        return taken;
    }
}

package org.redisfailover.proxy.server;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;

/**
 * The place of one request's reply in its client's reply order. A slot is created when the request is
 * read, queued both on the client (for ordering) and on the backend connection that carries it (for
 * matching), and filled when the reply arrives, in whatever order the nodes answer.
 */
public final class ReplySlot {

    /** Fills a slot whose request may have executed but got no reply: the client connection must close. */
    static final Object INDETERMINATE = new Object();

    private final ClientSession owner;
    private final boolean readOnly;
    private long sentAtNanos;
    private Object reply;
    private boolean done;

    ReplySlot(ClientSession owner, boolean readOnly) {
        this.owner = owner;
        this.readOnly = readOnly;
    }

    /** True for commands without side effects: a lost reply can honestly be reported as an error. */
    public boolean readOnly() {
        return readOnly;
    }

    public void markSent(long nanos) {
        sentAtNanos = nanos;
    }

    public long sentAtNanos() {
        return sentAtNanos;
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

    /**
     * The request was sent but its connection died before the reply: a read gets an error, anything
     * else closes the client connection (never a made-up definite answer for a write that may have run).
     */
    public void completeLost(String errorLine) {
        complete(readOnly ? Replies.error(errorLine) : INDETERMINATE);
    }

    boolean done() {
        return done;
    }

    /** Hands the reply over (the slot no longer owns it). */
    Object takeReply() {
        Object taken = reply;
        reply = null;
        return taken;
    }
}

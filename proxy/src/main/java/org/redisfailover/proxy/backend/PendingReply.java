package org.redisfailover.proxy.backend;

import io.netty.buffer.ByteBuf;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.topology.NodeAddress;

/**
 * What a backend connection keeps for each request it sends, in send order: it is told when the
 * request went out, each reply frame until it says the reply is whole, or why no reply will come.
 * The send time is kept here, for the backend timeout and latency, so that no kind of reply keeps its own.
 */
public abstract class PendingReply {

    private long sentAtNanos;

    public final void markSent(long nanos) {
        sentAtNanos = nanos;
    }

    public final long sentAtNanos() {
        return sentAtNanos;
    }

    /**
     * One whole RESP frame from Redis: {@code length} bytes of {@code buffer} at {@code start}, valid
     * during the call. True when this request's reply is complete; a pub/sub request takes several.
     */
    public abstract boolean onFrame(ByteBuf buffer, int start, int length);

    /** The request was sent, but the connection died before the reply was whole. */
    public abstract void lost(NodeAddress node, String reason);

    /** The request was never sent; {@code errorLine} (such as {@code ERR ...}) says why. */
    public abstract void refused(String errorLine);

    /**
     * The request waited for a connection that failed before it could be sent ({@code request} is handed back,
     * ownership passes). Unless the owner sends it elsewhere, it is refused with {@code errorLine}.
     */
    public void unsent(RedisRequest request, String errorLine) {
        request.release();
        refused(errorLine);
    }

    /** True for a request sampled for latency metrics: its backend round trip is timed too. */
    public boolean timed() {
        return false;
    }

    /** True while Redis may legitimately hold the reply back (a blocking command): no backend timeout. */
    public boolean mayBlock() {
        return false;
    }
}

package org.redisfailover.proxy.client;

import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.proxy.errors.ProxyErrors;
import org.redisfailover.proxy.loop.HeldRequests;

/**
 * A lane on a connection of the client's own to the master. With no master to write to, the request that
 * would open the connection is held until there is one, and the client's later requests wait behind it.
 */
abstract class PinnedLane implements Lane, HeldRequests.Owner<ReplySlot> {

    protected final LaneContext lanes;
    protected final Routing routing;
    protected final ReplyOrderer replies;
    /** The connections it opens, and the client's user, protocol and tracking they log in with. */
    protected final ClientConnections connections;

    protected final OwnConnections own;
    /** The client's address, for the logs. */
    protected final ClientState state;

    private final HeldRequests held;

    PinnedLane(
            LaneContext lanes,
            Routing routing,
            ReplyOrderer replies,
            HeldRequests held,
            ClientConnections connections,
            OwnConnections own,
            ClientState state) {
        this.lanes = lanes;
        this.routing = routing;
        this.replies = replies;
        this.held = held;
        this.connections = connections;
        this.own = own;
        this.state = state;
    }

    /** Sends {@code request}, whose slot is in the reply order, on this lane's connection (opened on the master if needed). */
    protected abstract void open(RedisRequest request, Route route, ReplySlot slot);

    /** Holds a request that opens a connection until there is a master; the client's later requests wait behind it. */
    protected final void holdForMaster(RedisRequest request, Route route, ReplySlot slot) {
        if (held.hold(this, request, route, slot)) {
            lanes.holdBack();
        } else {
            request.release();
            slot.complete(Replies.error(ProxyErrors.HOLD_QUEUE_FULL));
        }
    }

    @Override
    public final void release(RedisRequest request, Route route, ReplySlot slot) {
        if (replies.isOpen()) {
            open(request, route, slot);
        } else {
            request.release();
        }
        lanes.stopHoldingBack();
    }

    @Override
    public final void fail(RedisRequest request, ReplySlot slot, String errorLine) {
        request.release();
        slot.complete(Replies.error(errorLine));
        lanes.stopHoldingBack();
    }
}

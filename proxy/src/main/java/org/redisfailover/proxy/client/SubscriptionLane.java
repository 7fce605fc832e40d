package org.redisfailover.proxy.client;

import io.netty.channel.EventLoop;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.command.RoutingClass;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.Handshake;
import org.redisfailover.proxy.loop.HeldRequests;

/**
 * SUBSCRIBE and the rest of subscribed mode, on the client's {@link SubscriptionLink} to the master, from
 * the first subscription until the client has left subscribed mode.
 */
final class SubscriptionLane extends PinnedLane {

    private SubscriptionLink link;

    private final EventLoop eventLoop;

    SubscriptionLane(
            LaneContext lanes,
            Routing routing,
            ReplyOrderer replies,
            HeldRequests held,
            ClientConnections connections,
            OwnConnections own,
            ClientState state,
            EventLoop eventLoop) {
        super(lanes, routing, replies, held, connections, own, state);
        this.eventLoop = eventLoop;
    }

    boolean subscribed() {
        return link != null;
    }

    @Override
    public boolean mayStart(RedisRequest request, Route route, boolean laneChanges, int outstanding) {
        if ((laneChanges || link == null) && outstanding > 0) {
            return false;
        }
        // Any other command waits for the (un)subscriptions before it: if they leave subscribed mode it
        // runs as usual, else Redis answers it on the subscription connection with its subscribed-mode error.
        return link == null
                || (link.ready()
                        && (outstanding == 0
                                || route.routingClass() == RoutingClass.PIN_PUBSUB
                                || request.argEqualsIgnoreCase(0, "ping")));
    }

    @Override
    public void run(RedisRequest request, Route route) {
        ReplySlot slot = lanes.forwardedSlot(route, true);
        if (route.routingClass() == RoutingClass.PIN_PUBSUB) {
            // Redis sends (un)subscription confirmations as pushes, which CLIENT REPLY OFF or SKIP does not silence
            // (a SKIP is still used up by the command).
            slot.suppress(false);
        }
        open(request, route, slot);
    }

    @Override
    protected void open(RedisRequest request, Route route, ReplySlot slot) {
        if (link == null) {
            NodeAddress master = routing.pinnedNode(request);
            if (master == null) {
                holdForMaster(request, route, slot);
                return;
            }
            link = new SubscriptionLink(this, connections, replies, state, eventLoop);
            replies.pubsub(true);
            link.open(master);
        }
        link.send(request, slot);
    }

    /** How the link's connection logs in: the client's user and protocol (tracking stays on its own connections). */
    Handshake linkHandshake() {
        return own.handshake().withTracking(null);
    }

    /** A (un)subscription's reply is in: a link that left subscribed mode ends before the requests it lets run. */
    void segmentDone(SubscriptionLink done) {
        if (done == link && done.finished()) {
            done.close();
            unlink();
        }
    }

    /** The link's connection broke with nothing subscribed: the client is out of subscribed mode. */
    void linkDone(SubscriptionLink done) {
        if (done == link) {
            unlink();
            lanes.runDeferred();
        }
    }

    /** The link subscribed again after its connection broke: requests that waited for it run. */
    void linkReady() {
        lanes.runDeferred();
    }

    /** The node a link whose connection broke subscribes again on, or null while there is none. */
    NodeAddress linkNode() {
        return routing.pinnedNode(null);
    }

    /** Subscriptions by family, for CLIENT INFO: channels, patterns, shard channels. */
    int[] countsByFamily() {
        return link == null ? new int[3] : link.countsByFamily();
    }

    /** RESET, or the client is gone: Redis drops the subscriptions with the connection. */
    void reset() {
        if (link != null) {
            link.close();
            unlink();
        }
    }

    private void unlink() {
        link = null;
        replies.pubsub(false);
    }
}

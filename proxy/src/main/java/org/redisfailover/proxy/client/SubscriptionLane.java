package org.redisfailover.proxy.client;

import io.netty.channel.EventLoop;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.command.RoutingClass;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.proxy.backend.Handshake;
import org.redisfailover.proxy.loop.HeldRequests;

/**
 * SUBSCRIBE and the rest of subscribed mode, on the client's {@link SubscriptionLinks} (one link to the master
 * of a group; in a cluster, one per master the subscriptions live on), from the first subscription until the
 * client has left subscribed mode.
 */
final class SubscriptionLane extends PinnedLane {

    private SubscriptionLinks links;

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
        return links != null;
    }

    @Override
    public boolean mayStart(RedisRequest request, Route route, boolean laneChanges, int outstanding) {
        if ((laneChanges || links == null) && outstanding > 0) {
            return false;
        }
        // Any other command waits for the (un)subscriptions before it: if they leave subscribed mode it
        // runs as usual, else Redis answers it on the subscription connection with its subscribed-mode error.
        return links == null
                || (links.ready()
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
        boolean first = links == null;
        if (first) {
            links = new SubscriptionLinks(
                    this, new SubscriptionPlaces(routing), connections, replies, state, eventLoop);
        }
        if (!links.send(request, slot)) {
            if (first) {
                links.close();
                links = null;
            }
            holdForMaster(request, route, slot);
            return;
        }
        if (first) {
            replies.pubsub(true);
        }
    }

    /** How a link's connection logs in: the client's user and protocol (tracking stays on its own connections). */
    Handshake linkHandshake() {
        return own.handshake().withTracking(null);
    }

    /**
     * The client left subscribed mode: the last reply emptied its subscriptions, or ({@code broken}) a link broke
     * with nothing subscribed, when the requests that waited for it run now.
     */
    void linksDone(boolean broken) {
        unlink();
        if (broken) {
            lanes.runDeferred();
        }
    }

    /** The subscriptions were placed again after a link broke: requests that waited for it run. */
    void linkReady() {
        lanes.runDeferred();
    }

    /** Subscriptions by family, for CLIENT INFO: channels, patterns, shard channels. */
    int[] countsByFamily() {
        return links == null ? new int[3] : links.countsByFamily();
    }

    /** RESET, or the client is gone: Redis drops the subscriptions with the connection. */
    void reset() {
        if (links != null) {
            links.close();
            unlink();
        }
    }

    private void unlink() {
        links = null;
        replies.pubsub(false);
    }
}

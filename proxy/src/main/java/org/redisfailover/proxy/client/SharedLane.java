package org.redisfailover.proxy.client;

import io.netty.handler.codec.redis.RedisMessage;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.resp.RedisRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loop's shared connections: a request goes where the client's {@link Routing} sends it, or the proxy
 * answers it (the client's own connection's commands, the group's CONFIG, ACL and SCRIPT KILL, and refusals).
 */
final class SharedLane implements Lane {

    private static final Logger log = LoggerFactory.getLogger(SharedLane.class);

    private final LaneContext lanes;
    private final Routing routing;
    private final LocalCommands local;
    /** The group's CONFIG, ACL and SCRIPT KILL; null in cluster mode, where the server's tips fan them out. */
    private final GroupCommands group;
    /** Cluster mode: the CLUSTER commands the proxy answers as one node (null for a replication group). */
    private final ClusterFacade facade;

    private final ReplyOrderer replies;
    private final ClientState state;

    SharedLane(
            LaneContext lanes,
            Routing routing,
            LocalCommands local,
            GroupCommands group,
            ClusterFacade facade,
            ReplyOrderer replies,
            ClientState state) {
        this.lanes = lanes;
        this.routing = routing;
        this.local = local;
        this.group = group;
        this.facade = facade;
        this.replies = replies;
        this.state = state;
    }

    @Override
    public boolean mayStart(RedisRequest request, Route route, boolean laneChanges, int outstanding) {
        return !laneChanges || outstanding == 0;
    }

    @Override
    public void run(RedisRequest request, Route route) {
        if (facade != null && facade.run(request, route)) {
            return;
        }
        switch (route.routingClass()) {
            case READ, READ_CURSOR, MASTER ->
                routing.send(
                        request,
                        route,
                        lanes.forwardedSlot(route, route.routingClass().isRead()));
            case LOCAL -> local.execute(request);
            case GROUP -> group.run(request, route);
            case CLOSE -> {
                log.warn(
                        "Possible SECURITY ATTACK detected from {}: it looks like somebody is sending POST or Host: commands; "
                                + "connection closed",
                        state.remoteAddress());
                request.release();
                replies.closeNow();
            }
            default -> {
                RedisMessage refusal = Refusals.refuse(route, request);
                request.release();
                replies.replyLocal(refusal);
            }
        }
    }
}

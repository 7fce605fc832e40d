package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.resp.RespWriter;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.BackendConnection;
import org.redisfailover.proxy.backend.IgnoredReply;
import org.redisfailover.proxy.errors.ProxyErrors;
import org.redisfailover.proxy.loop.HeldRequests;
import org.redisfailover.proxy.loop.ProxyShared;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Blocking commands (BLPOP, XREAD BLOCK, WAIT, ...), each a {@link BlockingCall} on a master connection borrowed for it. */
final class BlockingLane extends PinnedLane {

    private static final Logger log = LoggerFactory.getLogger(BlockingLane.class);

    /** WAIT counts the replicas that acknowledged the connection's last write; this write gives a borrowed connection one. */
    private static final String WAIT_OFFSET_CHANNEL = "__redis-failover__:wait-offset";

    private final List<BlockingCall> calls = new ArrayList<>();

    private final ProxyShared shared;
    private final EventLoop eventLoop;

    BlockingLane(
            LaneContext lanes,
            Routing routing,
            ReplyOrderer replies,
            HeldRequests held,
            ClientConnections connections,
            OwnConnections own,
            ProxyShared shared,
            ClientState state,
            EventLoop eventLoop) {
        super(lanes, routing, replies, held, connections, own, state);
        this.shared = shared;
        this.eventLoop = eventLoop;
    }

    /** Whether a call is in progress (CLIENT INFO's {@code b} flag). */
    boolean blocked() {
        return !calls.isEmpty();
    }

    @Override
    public boolean mayStart(RedisRequest request, Route route, boolean laneChanges, int outstanding) {
        return outstanding == 0; // every call opens a connection of its own: nothing earlier may be in flight
    }

    @Override
    public void run(RedisRequest request, Route route) {
        open(request, route, lanes.forwardedSlot(route, false));
    }

    @Override
    protected void open(RedisRequest request, Route route, ReplySlot slot) {
        NodeAddress master = routing.pinnedNode(request);
        if (master == null) {
            holdForMaster(request, route, slot);
            return;
        }
        BlockingCall call = new BlockingCall(this, slot, request.args(), own.protocol(), route.mayWrite());
        calls.add(call);
        send(call, master, request);
    }

    private void send(BlockingCall call, NodeAddress master, RedisRequest request) {
        BackendConnection connection = connections.borrow(
                master, BackendConnection.Purpose.BLOCKING, own.handshake().withTracking(null));
        call.sentOn(connection);
        if (call.name().equals("wait")) {
            // Every earlier request of the client has its reply, so this write's offset covers all of its writes.
            connections.send(
                    connection,
                    RespWriter.request(ByteBufAllocator.DEFAULT, "PUBLISH", WAIT_OFFSET_CHANNEL, ""),
                    new IgnoredReply());
        }
        // Safe mode: what a blocking pop or move took is acknowledged by replicas before the client hears of it.
        connections.sendOnOwn(connection, request, call, SafeWrites.blockingCall(shared.config(), call.mayWrite()));
    }

    /** The call has its reply: its connection goes back to the pool if nothing is left on it. */
    void done(BlockingCall call, boolean connectionReusable) {
        calls.remove(call);
        BackendConnection connection = call.connection();
        if (connection != null && connectionReusable) {
            connections.giveBack(connection);
        }
    }

    /** The call was interrupted without being served: send it again to the master, with the time it has left. */
    void interrupted(BlockingCall call, String reason) {
        BackendConnection old = call.connection();
        if (old != null && !old.isClosed()) {
            old.close();
        }
        call.sentOn(null);
        log.debug("client {}: {} interrupted ({}); sending it again", state.remoteAddress(), call.name(), reason);
        resume(call);
    }

    /**
     * A cluster node redirected the call ({@code errorLine}: MOVED, ASK, TRYAGAIN or CLUSTERDOWN): the slot map learns
     * of a MOVED and the call goes again at once, with the time it has left, to the slot's master. After an ASK (the
     * slot is migrating) it waits a moment first, since the map still names the node that sent it away. TRYAGAIN (its
     * keys are split by a migration) and CLUSTERDOWN (a shard failing over) are retried after as long again as the
     * call has waited (2 ms, doubling, up to 200 ms), within the hold timeout; after it the client gets the node's
     * own error, which says nothing ran.
     */
    void redirected(BlockingCall call, String errorLine) {
        routing.redirected(errorLine);
        BackendConnection old = call.connection();
        if (old != null && !old.isClosed()) {
            old.close();
        }
        call.sentOn(null);
        if (errorLine.startsWith("MOVED")) {
            resume(call);
            return;
        }
        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(call.interruptedForNanos());
        if (!errorLine.startsWith("ASK")
                && waitedMillis > shared.config().holdTimeout().toMillis()) {
            calls.remove(call);
            call.slot().complete(Replies.error(errorLine));
            return;
        }
        long delay = errorLine.startsWith("ASK") ? 50 : Math.min(200, Math.max(2, waitedMillis));
        eventLoop.schedule(() -> resume(call), delay, TimeUnit.MILLISECONDS);
    }

    private void resume(BlockingCall call) {
        if (!replies.isOpen()) {
            return;
        }
        if (call.expired()) {
            calls.remove(call);
            call.slot().complete(call.timedOutReply());
            return;
        }
        RedisRequest again = RespWriter.request(ByteBufAllocator.DEFAULT, call.argsForNow());
        NodeAddress master = routing.pinnedNode(again);
        if (master != null) {
            send(call, master, again);
            return;
        }
        again.release();
        if (call.interruptedForNanos() > shared.config().holdTimeout().toNanos()) {
            calls.remove(call);
            call.slot()
                    .complete(Replies.error(
                            ProxyErrors.noMasterToResume(call.name().toUpperCase(Locale.ROOT))));
        } else {
            eventLoop.schedule(() -> resume(call), 50, TimeUnit.MILLISECONDS);
        }
    }

    /** The client is gone: Redis unblocks a client's calls with its connection. */
    void closeAll() {
        for (BlockingCall call : new ArrayList<>(calls)) {
            if (call.connection() != null) {
                call.connection().close();
            }
        }
        calls.clear();
    }
}

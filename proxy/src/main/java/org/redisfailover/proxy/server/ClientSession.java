package org.redisfailover.proxy.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.command.RoutingClass;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.RequestError;
import org.redisfailover.protocol.resp.RespRequestDecoder;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.proxy.backend.BackendConnection;
import org.redisfailover.proxy.backend.BackendListener;
import org.redisfailover.proxy.config.ReadPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: its Redis connection state (database, name), and the order of its replies.
 *
 * <p>Every request gets a {@link ReplySlot} in arrival order; replies are written strictly in that
 * order, however the nodes behind the proxy interleave them. All state lives in fields confined to
 * the channel's event loop.
 *
 * <p>Backpressure: the session stops reading from the client while the client does not read its
 * replies (channel unwritable), while too many replies are outstanding, or while a backend it writes
 * to is slower than its clients; it closes a client whose unsent replies pass the output limit.
 */
public final class ClientSession extends ChannelInboundHandlerAdapter
        implements Flushable, BackendListener, RespRequestDecoder.RequestSink {

    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);

    private static final int PAUSED_OUTPUT = 1;
    private static final int PAUSED_PIPELINE = 2;
    private static final int PAUSED_BACKEND = 4;

    private final ProxyShared shared;
    private final ArrayDeque<ReplySlot> replies = new ArrayDeque<>();
    private LoopResources loop;
    private ChannelHandlerContext ctx;
    private WriteCoalescer out;
    private int pausedFor;
    private boolean flushQueued;
    private boolean closing;
    private boolean closed;
    private NodeAddress lastTarget;
    private int lastDb;
    private BackendConnection lastConnection;
    private int lastGeneration;
    private int heldCount;
    /** The node this client's SCAN-family iterations run on (see {@link #cursorNode}). */
    private NodeAddress scanNode;
    /** Marks a cursor whose node is gone; never a real address (port 0 is never routed to). */
    private static final NodeAddress CURSOR_ELSEWHERE = new NodeAddress("cursor-elsewhere", 0);

    // Connection state a client sets with SELECT / CLIENT SETNAME, as Redis keeps it per connection.
    int db;
    String name;

    ClientSession(ProxyShared shared) {
        this.shared = shared;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.out = new WriteCoalescer(ctx.channel(), 512);
    }

    void attach(LoopResources resources) {
        this.loop = resources;
    }

    ProxyShared shared() {
        return shared;
    }

    @Override
    public void onRequest(RedisRequest request) {
        if (closing) {
            request.release();
            return;
        }
        handle(request);
        if (replies.size() >= shared.config().maxPipelinePerClient()) {
            pause(PAUSED_PIPELINE);
        }
    }

    @Override
    public void onRequestError(RequestError error) {
        if (!closing) {
            protocolError(error);
        }
    }

    private void handle(RedisRequest request) {
        Route route = shared.classifier().classify(request);
        switch (route.routingClass()) {
            case READ, READ_CURSOR, MASTER -> forward(request, route);
            case LOCAL -> LocalCommands.execute(this, request);
            case CLOSE -> {
                log.warn("Possible SECURITY ATTACK detected from {}: it looks like somebody is sending POST or Host: commands; "
                        + "connection closed", ctx.channel().remoteAddress());
                request.release();
                closing = true;
                ctx.close();
            }
            default -> {
                RedisMessage refusal = Refusals.refuse(route, request);
                request.release();
                replyLocal(refusal);
            }
        }
    }

    /** Sends {@code request} (ownership passes) to the node its route and the read policy choose. */
    void forward(RedisRequest request, Route route) {
        boolean readOnly = route.routingClass().isRead();
        ReplySlot slot = new ReplySlot(this, readOnly);
        replies.add(slot);
        route(request, route, slot, false);
    }

    /**
     * Routes a request whose slot is already in the reply order. With no master to write to, a request
     * that needs one is held; once one of this client's requests is held, its later ones are held
     * behind it too, so the client's commands are never reordered.
     */
    private void route(RedisRequest request, Route route, ReplySlot slot, boolean releasedFromHold) {
        ReadPolicy policy = shared.config().readPolicy();
        boolean waitInLine = heldCount > 0 && !releasedFromHold;
        NodeAddress target = null;
        if (!waitInLine && route.routingClass() == RoutingClass.READ_CURSOR) {
            NodeAddress cursorNode = cursorNode(request);
            if (cursorNode == CURSOR_ELSEWHERE) {
                request.release();
                slot.complete(Replies.error("ERR redis-failover: this cursor belongs to " + scanNode
                        + ", which is no longer routed to; start the scan again from cursor 0"));
                return;
            }
            target = cursorNode;
        }
        if (!waitInLine && target == null) {
            target = loop.router.target(route.routingClass(), policy, shared.topology().current(), writableMaster(), loop.pool.health());
            if (target != null && route.routingClass() == RoutingClass.READ_CURSOR) {
                scanNode = target; // this client's iterations run here from now on
            }
        }
        if (target != null) {
            connectionFor(target).send(request, slot, this);
        } else if (heldCount == 0 && !ReadRouter.needsMaster(route.routingClass(), policy)) {
            request.release();
            slot.complete(Replies.error(ReadRouter.noReplicaError()));
        } else if (loop.held.hold(this, request, route, slot)) {
            heldCount++;
        } else {
            request.release();
            slot.complete(Replies.error("ERR redis-failover: no master available and the hold queue is full"));
        }
    }

    /**
     * Where a SCAN-family request must go. A cursor other than 0 continues an iteration that only the
     * node that returned it can continue (another node's hash tables differ: keys would be missed or
     * repeated). A client may interleave iterations, so all of them stay on one node while it is routed
     * to and healthy. Returns that node, {@link #CURSOR_ELSEWHERE} for a continued iteration whose node
     * is gone, and null when a new node may be chosen.
     */
    private NodeAddress cursorNode(RedisRequest request) {
        if (scanNode == null) {
            return null;
        }
        Topology topology = shared.topology().current();
        boolean routed = scanNode.equals(writableMaster()) || topology.replicas().contains(scanNode);
        if (routed && loop.pool.health().isHealthy(scanNode)) {
            return scanNode;
        }
        int cursorArgument = request.argLength(0) == 4 ? 1 : 2; // SCAN cursor ... | HSCAN key cursor ...
        boolean newIteration = request.argc() <= cursorArgument || request.argEqualsIgnoreCase(cursorArgument, "0");
        return newIteration ? null : CURSOR_ELSEWHERE;
    }

    /**
     * The master to write to now. Following ZooKeeper, a master this loop cannot reach counts as none:
     * a failover is coming (or the master returns), so requests wait for it instead of failing. With a
     * fixed master nobody will replace it, so requests fail fast instead.
     */
    private NodeAddress writableMaster() {
        NodeAddress master = shared.topology().writableMaster();
        if (master != null && shared.config().zooKeeper() != null && !loop.pool.health().isHealthy(master)) {
            return null;
        }
        return master;
    }

    /** A held request's turn has come (topology or fence changed): route it again, in order. */
    void release(RedisRequest request, Route route, ReplySlot slot) {
        heldCount--;
        if (closed || closing) {
            request.release();
            return; // never sent: nothing to answer, nobody to answer
        }
        route(request, route, slot, true);
    }

    /** A held request waited the whole hold timeout: it was never sent, so a definite error is honest. */
    void expireHeld(RedisRequest request, ReplySlot slot, long heldMillis) {
        failHeld(request, slot, "no master available (request held " + heldMillis + " ms)");
    }

    void failHeld(RedisRequest request, ReplySlot slot, String reason) {
        heldCount--;
        request.release();
        slot.complete(Replies.error("ERR redis-failover: " + reason));
    }

    /** The pool's connection for (target, db), remembering the last one: most requests reuse it. */
    private BackendConnection connectionFor(NodeAddress target) {
        if (target != lastTarget || db != lastDb || loop.pool.generation() != lastGeneration) {
            lastConnection = loop.pool.connection(target, db);
            lastTarget = target;
            lastDb = db;
            lastGeneration = loop.pool.generation();
        }
        return lastConnection;
    }

    /** Queues a reply the proxy built itself, in order behind any outstanding ones. */
    void replyLocal(RedisMessage reply) {
        ReplySlot slot = new ReplySlot(this, true);
        replies.add(slot);
        slot.complete(reply);
    }

    /** Queues a reply after which the connection closes (QUIT, protocol errors). */
    void replyThenClose(RedisMessage reply) {
        replyLocal(reply);
        replies.add(closeMarker());
        drain();
    }

    private ReplySlot closeMarker() {
        ReplySlot marker = new ReplySlot(this, false);
        marker.complete(ReplySlot.CLOSE);
        return marker;
    }

    private void protocolError(RequestError error) {
        if (error.hasReply()) {
            replyThenClose(Replies.error(error.message()));
        } else {
            log.info("client {} closed: request larger than the {} byte limit", ctx.channel().remoteAddress(),
                    shared.config().limits().maxRequestBytes());
            replies.add(closeMarker());
            drain();
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
    }

    /**
     * A reply from Redis for {@code slot}, as a range of the backend's buffer valid during this call.
     * In the common case the slot is next in line and the bytes go straight to the client's write
     * buffer; otherwise the slot keeps a retained slice until the replies before it are written.
     */
    void onReply(ReplySlot slot, ByteBuf buffer, int start, int length) {
        if (closed || closing) {
            return; // nothing more is written to a client that is closing
        }
        if (replies.peekFirst() == slot) {
            replies.pollFirst();
            out.write(buffer, start, length);
            afterWrite();
            drain();
        } else {
            slot.complete(buffer.retainedSlice(start, length));
        }
    }

    private void drain() {
        boolean wrote = false;
        while (!replies.isEmpty() && replies.peekFirst().done() && !closed && !closing) {
            Object reply = replies.pollFirst().takeReply();
            if (reply == ReplySlot.CLOSE) {
                // QUIT or a protocol error: deliver what precedes, then close.
                closeAfterPendingWrites();
                return;
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
        if ((pausedFor & PAUSED_PIPELINE) != 0 && replies.size() < shared.config().maxPipelinePerClient() / 2) {
            resume(PAUSED_PIPELINE);
        }
    }

    private void afterWrite() {
        if (replies.isEmpty()) {
            // The client has every reply it asked for and is waiting for them: send now rather than at
            // the end of the loop turn. Either way it is one write; this one is just earlier.
            flushNow();
        } else {
            queueFlush();
        }
        checkOutputLimit();
    }

    private void closeAfterPendingWrites() {
        closing = true;
        ctx.channel().config().setAutoRead(false);
        out.flush();
        ctx.channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    private void checkOutputLimit() {
        ChannelOutboundBuffer outbound = ctx.channel().unsafe().outboundBuffer();
        long unsent = out.pendingBytes() + (outbound == null ? 0 : outbound.totalPendingWriteBytes());
        if (unsent > shared.config().clientOutputLimitBytes()) {
            log.warn("client {} closed: {} bytes of replies unread, over the {} byte output limit", ctx.channel().remoteAddress(),
                    unsent, shared.config().clientOutputLimitBytes());
            closing = true;
            ctx.close();
        }
    }

    private void queueFlush() {
        if (!flushQueued) {
            flushQueued = true;
            loop.batcher.flushLater(this);
        }
    }

    @Override
    public void flushNow() {
        flushQueued = false;
        out.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            resume(PAUSED_OUTPUT);
        } else {
            pause(PAUSED_OUTPUT);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public boolean pauseForBackend() {
        boolean first = (pausedFor & PAUSED_BACKEND) == 0;
        pause(PAUSED_BACKEND);
        return first;
    }

    @Override
    public void resumeFromBackend() {
        resume(PAUSED_BACKEND);
    }

    private void pause(int reason) {
        pausedFor |= reason;
        ctx.channel().config().setAutoRead(false);
    }

    private void resume(int reason) {
        pausedFor &= ~reason;
        if (pausedFor == 0 && !closing && !closed) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent idle) {
            if (idle.state() == IdleState.READER_IDLE && ctx.pipeline().get(RespRequestDecoder.class).hasPartialRequest()) {
                log.info("client {} closed: sent part of a request, then nothing for {} ms", ctx.channel().remoteAddress(),
                        shared.config().partialRequestTimeout().toMillis());
                ctx.close();
            } else if (idle.state() == IdleState.ALL_IDLE && replies.isEmpty()) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        // Replies still owed stay queued on their backend connections; they are released as they arrive.
        for (ReplySlot slot : replies) {
            if (slot.done()) {
                ReferenceCountUtil.release(slot.takeReply());
            }
        }
        replies.clear();
        out.discard();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof java.io.IOException) {
            log.debug("client {}: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("client {} closed after an unexpected error", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}

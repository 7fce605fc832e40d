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
import org.redisfailover.proxy.metrics.SampledLatency;
import org.redisfailover.protocol.command.RoutingClass;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.RequestError;
import org.redisfailover.protocol.resp.RespRequestDecoder;
import org.redisfailover.protocol.resp.RespVersion;
import org.redisfailover.protocol.resp.RespWriter;
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
 * <p>Requests travel in one of four lanes: the loop's shared connections, or a connection of the
 * client's own for a transaction (MULTI/WATCH until EXEC, DISCARD or UNWATCH), for its subscriptions,
 * or for one blocking call. Within a lane Redis keeps the client's order; between lanes it could not,
 * so a request that changes lane waits, unsent, until every earlier request is answered, as it would
 * wait behind them on a single Redis connection.
 *
 * <p>Backpressure: the session stops reading from the client while the client does not read its
 * replies (channel unwritable), while too many replies are outstanding, or while a backend it writes
 * to is slower than its clients; it closes a client whose unsent replies pass the output limit.
 */
public final class ClientSession extends ChannelInboundHandlerAdapter
        implements Flushable, BackendListener, RespRequestDecoder.RequestSink {

    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);

    private enum Lane { SHARED, TRANSACTION, SUBSCRIPTION, BLOCKING }

    /** WAIT counts the replicas that acknowledged the connection's last write; this write gives a borrowed connection one. */
    private static final String WAIT_OFFSET_CHANNEL = "__redis-failover__:wait-offset";

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
    private RespVersion lastProtocol;
    private BackendConnection lastConnection;
    private int lastGeneration;
    private int heldCount;
    /** The node this client's SCAN-family iterations run on (see {@link #cursorNode}). */
    private NodeAddress scanNode;
    /** Marks a cursor whose node is gone; never a real address (port 0 is never routed to). */
    private static final NodeAddress CURSOR_ELSEWHERE = new NodeAddress("cursor-elsewhere", 0);

    // Read-your-writes: the client's writes in flight, whether and when its last one was answered, and the
    // master offset that includes it (-1: not known yet).
    private int writesInFlight;
    private boolean hasWritten;
    private long lastWriteAckNanos;
    private long writeCoveredBy = -1;

    /** The lane of the latest request sent on. */
    private Lane lane = Lane.SHARED;
    /** Requests sent to Redis (or held for a master) whose replies are not in yet. */
    private int outstanding;
    /** Requests read but not run yet: they wait for a lane change, a pinned request held for a master, or a re-subscription. */
    private final ArrayDeque<RedisRequest> deferred = new ArrayDeque<>();
    private boolean runningDeferred;
    /** A request that opens a connection of the client's own, held until there is a master; later ones wait behind it. */
    private ReplySlot pendingPin;
    private Lane pendingPinLane;
    private final TransactionState transaction = new TransactionState();
    private BackendConnection transactionPin;
    /** The pin ran a command that may leave connection state behind (CLIENT SETNAME, HELLO): close it rather than reuse it. */
    private boolean transactionPinTainted;
    private SubscriptionLink subscriptions;
    private final java.util.List<BlockingCall> blockingCalls = new java.util.ArrayList<>();

    /** CLIENT REPLY: ON, OFF (no replies until ON), SKIP (none for the next command). */
    enum ReplyMode { ON, OFF, SKIP }

    private static final java.util.concurrent.atomic.AtomicLong IDS = new java.util.concurrent.atomic.AtomicLong();

    // Connection state a client sets with SELECT / CLIENT SETNAME / CLIENT REPLY, as Redis keeps it per connection.
    int db;
    String name;
    /** CLIENT ID: unique among this proxy's clients, as Redis' is among a server's. */
    final long id = IDS.incrementAndGet();
    private final long createdAtMillis = System.currentTimeMillis();
    private long lastCommandAtMillis = createdAtMillis;
    private boolean repliesOff;
    private Route lastRoute;
    private boolean skipNextReply;

    /** Routes compared by identity on the request path: the classifier hands out one instance per command. */
    private final Route scriptLoad;
    private final Route evalshaReadOnly;
    private final Route auth;
    private final Route clientTracking;
    private final Route hello;
    /** The client's Redis user, protocol and tracking, and its own connections when a shared one cannot serve it. */
    private final OwnConnections own = new OwnConnections(this);
    /** An AUTH or CLIENT TRACKING is being checked by Redis: the client's later requests wait for its outcome. */
    private boolean handshakePending;

    ClientSession(ProxyShared shared) {
        this.shared = shared;
        this.scriptLoad = shared.classifier().classifyName("script|load");
        this.evalshaReadOnly = shared.classifier().classifyName("evalsha_ro");
        this.auth = shared.classifier().classifyName("auth");
        this.clientTracking = shared.classifier().classifyName("client|tracking");
        this.hello = shared.classifier().classifyName("hello");
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
        if (!deferred.isEmpty() || pendingPin != null || handshakePending || !execute(request)) {
            deferred.add(request);
        }
        if (replies.size() + deferred.size() >= shared.config().maxPipelinePerClient()) {
            pause(PAUSED_PIPELINE);
        }
    }

    /** Runs {@code request} now, or returns false, with nothing taken, when it must wait. */
    private boolean execute(RedisRequest request) {
        Route route = shared.classifier().classify(request);
        lastCommandAtMillis = System.currentTimeMillis();
        lastRoute = route;
        Lane wanted = laneFor(request, route);
        if ((route == auth || route == clientTracking) && wanted == Lane.SHARED) {
            // Every request after AUTH or CLIENT TRACKING runs on other connections: the earlier ones finish first.
            if (outstanding > 0) {
                return false;
            }
            lane = Lane.SHARED;
            if (route == auth) {
                authenticate(request);
            } else {
                track(request);
            }
            return true;
        }
        if (route == hello && wanted == Lane.SHARED && outstanding > 0 && !own.isEmpty()) {
            return false; // a protocol switch replaces the client's own connections: nothing may be in flight on them
        }
        if (wanted == Lane.SHARED && lane == Lane.SHARED) {
            handle(request, route);
            return true;
        }
        boolean opensPin = wanted == Lane.BLOCKING
                || (wanted == Lane.TRANSACTION && transactionPin == null && !transaction.doomed())
                || (wanted == Lane.SUBSCRIPTION && subscriptions == null);
        if ((wanted != lane || opensPin) && outstanding > 0) {
            return false;
        }
        if (wanted == Lane.SUBSCRIPTION && subscriptions != null && (!subscriptions.ready()
                || (outstanding > 0 && route.routingClass() != RoutingClass.PIN_PUBSUB && !request.argEqualsIgnoreCase(0, "ping")))) {
            // Any other command waits for the (un)subscriptions before it: if they leave subscribed mode it
            // runs as usual, else Redis answers it on the subscription connection with its subscribed-mode error.
            return false;
        }
        lane = wanted;
        switch (wanted) {
            case SHARED -> handle(request, route);
            case TRANSACTION -> inTransaction(request, route);
            case SUBSCRIPTION -> toSubscriptions(request, newForwardedSlot(true, false));
            case BLOCKING -> blocking(request, route, newForwardedSlot(false, route.mayWrite()));
        }
        return true;
    }

    /**
     * The lane of a request. A transaction or a subscription takes every request of the client (Redis
     * queues them in MULTI, and answers them in subscribed mode) except QUIT and RESET, which the proxy
     * answers. After a lost WATCH, requests other than transaction commands run as usual.
     */
    private Lane laneFor(RedisRequest request, Route route) {
        RoutingClass routingClass = route.routingClass();
        boolean free = !transaction.engaged()
                || (transaction.doomed() && !transaction.inMulti() && routingClass != RoutingClass.PIN_TRANSACTION);
        // In RESP3 a subscribed client may run any command; only the (un)subscriptions go to its subscription link.
        boolean subscribedFree = subscriptions == null
                || (own.protocol() == RespVersion.RESP3 && routingClass != RoutingClass.PIN_PUBSUB);
        if (subscribedFree && free) {
            return switch (routingClass) {
                case PIN_BLOCKING -> Lane.BLOCKING;
                case PIN_PUBSUB -> Lane.SUBSCRIPTION;
                case PIN_TRANSACTION -> request.argEqualsIgnoreCase(0, "multi") || request.argEqualsIgnoreCase(0, "watch")
                        ? Lane.TRANSACTION : Lane.SHARED;
                default -> Lane.SHARED;
            };
        }
        if (request.argEqualsIgnoreCase(0, "quit") || request.argEqualsIgnoreCase(0, "reset")) {
            return Lane.SHARED;
        }
        return transaction.engaged() && !free ? Lane.TRANSACTION : Lane.SUBSCRIPTION;
    }

    /** Runs the requests that were waiting, in order, until one has to wait again. */
    private void runDeferred() {
        if (runningDeferred) {
            return;
        }
        runningDeferred = true;
        try {
            while (!deferred.isEmpty() && pendingPin == null && !handshakePending && !closing && !closed) {
                if (!execute(deferred.peek())) {
                    break;
                }
                deferred.poll();
            }
        } finally {
            runningDeferred = false;
        }
        if ((pausedFor & PAUSED_PIPELINE) != 0 && replies.size() + deferred.size() < shared.config().maxPipelinePerClient() / 2) {
            resume(PAUSED_PIPELINE);
        }
    }

    @Override
    public void onRequestError(RequestError error) {
        if (!closing) {
            protocolError(error);
        }
    }

    private void handle(RedisRequest request, Route route) {
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
        route(request, route, newForwardedSlot(route.routingClass().isRead(), route.mayWrite()), false);
    }

    /**
     * A slot for a request that goes to Redis; {@code definite}: losing its reply means it had no effect;
     * {@code write}: it goes to the master and may write (read-your-writes counts it).
     */
    private ReplySlot newForwardedSlot(boolean definite, boolean write) {
        ReplySlot slot = new ReplySlot(this, definite);
        startTiming(slot);
        slot.suppressed = suppressThisReply();
        slot.forwarded = true;
        if (write && shared.config().readPolicy() == ReadPolicy.READ_YOUR_WRITES) {
            slot.write = true;
            writesInFlight++;
        }
        outstanding++;
        replies.add(slot);
        return slot;
    }

    // ---- Transactions: MULTI/EXEC/DISCARD and WATCH/UNWATCH on a master connection of the client's own.

    private void inTransaction(RedisRequest request, Route route) {
        String name = request.name();
        RoutingClass routingClass = route.routingClass();
        if (transaction.doomed()) {
            RedisMessage answer = transaction.answerDoomed(name, request.argc(), own.protocol());
            if (answer != null) {
                request.release();
                replyLocal(answer);
                return;
            }
        }
        if (routingClass == RoutingClass.DENY || routingClass == RoutingClass.SESSION || routingClass == RoutingClass.CLOSE
                || (!transaction.inMulti() && (name.equals("exec") || name.equals("discard")))) {
            handle(request, route);
            return;
        }
        if (name.equals("select")) {
            request.release();
            replyLocal(Replies.error("ERR redis-failover: SELECT inside MULTI or WATCH is not supported; "
                    + "select the database before WATCH or MULTI"));
            return;
        }
        // Queued inside MULTI, a command has done nothing until EXEC: losing its reply is a definite failure.
        boolean definite = transaction.inMulti() ? !name.equals("exec") : routingClass.isRead() || routingClass == RoutingClass.PIN_TRANSACTION;
        toTransactionPin(request, route, newForwardedSlot(definite, route.mayWrite()));
    }

    private void toTransactionPin(RedisRequest request, Route route, ReplySlot slot) {
        if (transactionPin == null) {
            NodeAddress master = writableMaster();
            if (master == null) {
                holdPin(request, route, slot, Lane.TRANSACTION);
                return;
            }
            if (own.tracking()) {
                // What the transaction reads must be tracked, on a connection that outlives it.
                transactionPin = own.get(loop.pool, master, db, shared.config().databases());
            } else {
                transactionPin = loop.pool.dedicated(master, db, BackendConnection.Purpose.TRANSACTION, own.handshake());
                transactionPin.onBroken(this::transactionPinBroken);
            }
        }
        RoutingClass routingClass = route.routingClass();
        if (routingClass != RoutingClass.MASTER && routingClass != RoutingClass.PIN_TRANSACTION && !routingClass.isRead()) {
            transactionPinTainted = true;
        }
        transaction.onSent(request.name(), request.argc());
        transactionPin.send(request, slot, this);
    }

    private void transactionPinBroken(String reason) {
        NodeAddress node = transactionPin == null ? null : transactionPin.node();
        transactionPin = null;
        transactionPinTainted = false;
        if (transaction.engaged()) {
            transaction.pinLost("the connection to the master " + node + " was lost (" + reason + ")");
            log.info("client {}: transaction connection to {} lost ({}); its MULTI/WATCH is answered as aborted", remoteAddress(), node, reason);
        }
    }

    /** Every reply is in: a pin whose transaction has ended goes back to the pool (or closes, if it may carry state). */
    private void releaseEndedPins() {
        if (transactionPin != null && !transaction.engaged()) {
            BackendConnection pin = transactionPin;
            transactionPin = null;
            if (pin.purpose() == BackendConnection.Purpose.CLIENT) {
                transactionPinTainted = false; // the client's own connection: it stays in use
            } else if (transactionPinTainted) {
                pin.onBroken(null);
                pin.close();
            } else {
                loop.pool.giveBack(pin);
            }
            transactionPinTainted = false;
        }
    }

    // ---- Subscriptions.

    private void toSubscriptions(RedisRequest request, ReplySlot slot) {
        if (subscriptions == null) {
            NodeAddress master = writableMaster();
            if (master == null) {
                holdPin(request, null, slot, Lane.SUBSCRIPTION);
                return;
            }
            subscriptions = new SubscriptionLink(this);
            subscriptions.open(master);
        }
        subscriptions.send(request, slot);
    }

    /** A message (or any frame that answers no request) from the client's subscription connection. */
    void deliverPush(ByteBuf buffer, int start, int length) {
        if (closed || closing || repliesOff) {
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

    void subscriptionSegmentDone(SubscriptionLink link) {
        if (link == subscriptions && link.finished()) {
            link.close();
            subscriptions = null;
        }
    }

    void subscriptionLinkDone(SubscriptionLink link) {
        if (link == subscriptions) {
            subscriptions = null;
            runDeferred();
        }
    }

    void subscriptionLinkReady() {
        runDeferred();
    }

    // ---- Blocking commands, each on a connection borrowed for the call.

    private void blocking(RedisRequest request, Route route, ReplySlot slot) {
        NodeAddress master = writableMaster();
        if (master == null) {
            holdPin(request, route, slot, Lane.BLOCKING);
            return;
        }
        BlockingCall call = new BlockingCall(this, slot, request.args());
        blockingCalls.add(call);
        sendBlocking(call, master, request);
    }

    private void sendBlocking(BlockingCall call, NodeAddress master, RedisRequest request) {
        BackendConnection connection = loop.pool.dedicated(master, db, BackendConnection.Purpose.BLOCKING, own.handshake().withTracking(null));
        call.sentOn(connection);
        if (call.name().equals("wait")) {
            // Every earlier request of the client has its reply, so this write's offset covers all of its writes.
            connection.send(RespWriter.request(ctx.alloc(), "PUBLISH", WAIT_OFFSET_CHANNEL, ""), new IgnoredReply(), this);
        }
        connection.send(request, call, this);
    }

    void blockingDone(BlockingCall call, boolean connectionReusable) {
        blockingCalls.remove(call);
        BackendConnection connection = call.connection();
        if (connection != null && connectionReusable) {
            loop.pool.giveBack(connection);
        }
    }

    /** The call was interrupted without being served: send it again to the master, with the time it has left. */
    void blockingInterrupted(BlockingCall call, String reason) {
        BackendConnection old = call.connection();
        if (old != null && !old.isClosed()) {
            old.close();
        }
        call.sentOn(null);
        log.debug("client {}: {} interrupted ({}); sending it again", remoteAddress(), call.name(), reason);
        resumeBlocking(call);
    }

    private void resumeBlocking(BlockingCall call) {
        if (closed || closing) {
            return;
        }
        if (call.expired()) {
            blockingCalls.remove(call);
            call.slot().complete(call.timedOutReply());
            return;
        }
        NodeAddress master = writableMaster();
        if (master == null) {
            if (call.interruptedForNanos() > shared.config().holdTimeout().toNanos()) {
                blockingCalls.remove(call);
                call.slot().complete(Replies.error("ERR redis-failover: no master available to resume "
                        + call.name().toUpperCase(java.util.Locale.ROOT) + " on"));
            } else {
                ctx.channel().eventLoop().schedule(() -> resumeBlocking(call), 50, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
            return;
        }
        sendBlocking(call, master, RespWriter.request(ctx.alloc(), call.argsForNow()));
    }

    // ---- AUTH and CLIENT TRACKING: connection state Redis checks, kept on connections of the client's own.

    /**
     * AUTH [user] password: Redis checks it, on a new connection to the master. Until the answer, the
     * client's later requests wait (they must run as whichever user it leaves the client with).
     */
    private void authenticate(RedisRequest request) {
        org.redisfailover.proxy.backend.Credentials offered = switch (request.argc()) {
            case 2 -> new org.redisfailover.proxy.backend.Credentials(null, request.argAsString(1));
            case 3 -> new org.redisfailover.proxy.backend.Credentials(request.argAsString(1), request.argAsString(2));
            default -> null; // Redis answers the syntax error
        };
        checkHandshake(request, offered == null ? null : own.handshake().withCredentials(offered), null);
    }

    /**
     * CLIENT TRACKING: Redis sends invalidations to the connection that read the keys, so a tracking client
     * runs on a master connection of its own, with tracking on; its reads go to the master. Each accepted
     * ON command is replayed when that connection is opened again (after a failover). Redis cannot send
     * invalidations to another connection of the proxy's (REDIRECT), nor push them in RESP2.
     */
    private void track(RedisRequest request) {
        String refusal = TrackingCommand.refusal(request, own.protocol());
        if (refusal != null) {
            request.release();
            replyLocal(Replies.error(refusal));
            return;
        }
        org.redisfailover.proxy.backend.Handshake next = TrackingCommand.next(own.handshake(), request);
        BackendConnection current = own.tracking() && writableMaster() != null
                ? own.get(loop.pool, writableMaster(), db, shared.config().databases()) : null;
        checkHandshake(request, next, current);
    }

    /**
     * Sends a state-changing request to the master, on {@code on} (the client's own connection, whose state
     * it changes) or on a fresh connection; on +OK the client adopts {@code next}.
     */
    private void checkHandshake(RedisRequest request, org.redisfailover.proxy.backend.Handshake next, BackendConnection on) {
        NodeAddress master = writableMaster();
        ReplySlot slot = newForwardedSlot(true, false);
        if (master == null) {
            request.release();
            slot.complete(Replies.error("ERR redis-failover: no master available to run " + request.name().toUpperCase(java.util.Locale.ROOT) + " on"));
            return;
        }
        BackendConnection connection = on != null ? on : loop.pool.dedicated(master, db, BackendConnection.Purpose.CLIENT, own.handshake());
        handshakePending = true;
        connection.send(request, new HandshakeAttempt(this, slot, next, connection), this);
    }

    /** Redis answered an AUTH or CLIENT TRACKING: {@code accepted} is the client's handshake from now on, or null. */
    void handshakeChecked(org.redisfailover.proxy.backend.Handshake accepted, BackendConnection checked) {
        if (accepted != null) {
            own.adopt(accepted, checked, shared.config().databases());
            log.debug("client {} now runs with {}", remoteAddress(), accepted);
        } else if (checked.purpose() == BackendConnection.Purpose.CLIENT && !own.owns(checked)) {
            checked.close();
        }
        handshakePending = false;
        runDeferred();
    }

    /** One of the client's own connections broke: a transaction on it is lost. */
    void ownConnectionBroken(BackendConnection connection, String reason) {
        if (connection == transactionPin) {
            transactionPinBroken(reason);
        }
    }

    /** HELLO changed the protocol: later requests go to connections that speak it. Nothing is in flight on own ones. */
    void switchProtocol(RespVersion protocol) {
        own.switchProtocol(protocol);
    }

    RespVersion protocol() {
        return own.protocol();
    }

    /** Whether HELLO may switch protocols now (it cannot move a transaction, subscriptions or tracking along). */
    String protocolSwitchRefusal(RespVersion protocol) {
        if (protocol == own.protocol()) {
            return null;
        }
        if (transaction.engaged()) {
            return "ERR redis-failover: HELLO cannot switch protocols inside MULTI or WATCH; switch before WATCH or MULTI";
        }
        if (subscriptions != null) {
            return "ERR redis-failover: HELLO cannot switch protocols while subscribed; unsubscribe first";
        }
        if (own.tracking()) {
            return "ERR redis-failover: HELLO cannot switch protocols while CLIENT TRACKING is on; turn it off first";
        }
        return null;
    }

    /** How the client's subscription connection logs in: its user and protocol (tracking stays on its own connections). */
    org.redisfailover.proxy.backend.Handshake subscriptionHandshake() {
        return own.handshake().withTracking(null);
    }

    // ---- Shared by the pinned lanes.

    /** Holds a request that opens a pin until there is a master; the client's later requests wait behind it. */
    private void holdPin(RedisRequest request, Route route, ReplySlot slot, Lane pinLane) {
        if (loop.held.hold(this, request, route, slot)) {
            pendingPin = slot;
            pendingPinLane = pinLane;
        } else {
            request.release();
            slot.complete(Replies.error("ERR redis-failover: no master available and the hold queue is full"));
        }
    }

    private void releasePin(RedisRequest request, Route route, ReplySlot slot) {
        Lane pinLane = pendingPinLane;
        pendingPin = null;
        pendingPinLane = null;
        if (closed || closing) {
            request.release();
            return;
        }
        switch (pinLane) {
            case TRANSACTION -> toTransactionPin(request, route, slot);
            case SUBSCRIPTION -> toSubscriptions(request, slot);
            case BLOCKING -> blocking(request, route, slot);
            default -> throw new IllegalStateException("not a pinned lane: " + pinLane);
        }
        runDeferred();
    }

    /**
     * RESET: Redis discards the transaction, unwatches, unsubscribes and selects database 0. The pinned
     * connections carrying that state are closed; RESET waits for earlier replies, so nothing is in flight.
     */
    void resetPinnedState() {
        own.reset(); // RESET logs the connection back in as the default user, in RESP2, tracking off
        if (transactionPin != null) {
            if (transactionPin.purpose() != BackendConnection.Purpose.CLIENT) {
                transactionPin.onBroken(null);
                transactionPin.close();
            }
            transactionPin = null;
            transactionPinTainted = false;
        }
        transaction.clear();
        if (subscriptions != null) {
            subscriptions.close();
            subscriptions = null;
        }
    }

    java.net.SocketAddress remoteAddress() {
        return ctx.channel().remoteAddress();
    }

    io.netty.channel.EventLoop eventLoop() {
        return ctx.channel().eventLoop();
    }

    org.redisfailover.proxy.backend.BackendPool pool() {
        return loop.pool;
    }

    /** Where a connection of the client's own goes: the master, when there is one to write to. */
    NodeAddress masterForPinning() {
        return writableMaster();
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
            // A tracking client reads on its own master connection, where Redis tracks what it read.
            ReadPolicy effective = own.tracking() ? ReadPolicy.MASTER : policy;
            if (effective == ReadPolicy.READ_YOUR_WRITES && route.routingClass().isRead() && hasWritten) {
                target = readAfterWriteTarget();
            } else {
                target = loop.router.target(route.routingClass(), effective, shared.topology().current(), writableMaster(), loop.pool.health());
            }
            if (target != null && route.routingClass() == RoutingClass.READ_CURSOR) {
                scanNode = target; // this client's iterations run here from now on
            }
        }
        if (target != null) {
            if (route == scriptLoad) {
                copyToReplicas(request);
            } else if (route == evalshaReadOnly && !target.equals(writableMaster())) {
                java.util.List<byte[]> args = request.args();
                connectionFor(target).send(request, new ScriptFallback(this, slot, args), this);
                return;
            }
            slot.route = route;
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
     * Read-your-writes, for a client that has written: the master while a write is in flight or until the
     * offset covering its last write is known, then a replica that has reached that offset (the master
     * if none has yet).
     */
    private NodeAddress readAfterWriteTarget() {
        if (writesInFlight > 0) {
            return writableMaster();
        }
        if (writeCoveredBy < 0) {
            writeCoveredBy = shared.offsets().offsetCovering(lastWriteAckNanos);
            if (writeCoveredBy < 0) {
                return writableMaster();
            }
        }
        NodeAddress replica = loop.router.replicaAtOffset(shared.topology().current().replicas(), loop.pool.health(), shared.offsets(),
                writeCoveredBy);
        return replica != null ? replica : writableMaster();
    }

    /**
     * SCRIPT LOAD reaches the replicas too, so that EVALSHA_RO sent to one finds the script (Redis 7 does
     * not replicate the script cache). Their answers are dropped: the client gets the master's.
     */
    private void copyToReplicas(RedisRequest request) {
        for (NodeAddress replica : shared.topology().current().replicas()) {
            if (loop.pool.health().isHealthy(replica)) {
                loop.pool.connection(replica, db, RespVersion.RESP2).send(RespWriter.request(ctx.alloc(), request.args()), new IgnoredReply(), null);
            }
        }
    }

    /** A replica did not know the script of an EVALSHA_RO: the master runs it (or answers NOSCRIPT itself). */
    void retryScriptOnMaster(java.util.List<byte[]> args, ReplySlot slot) {
        NodeAddress master = writableMaster();
        if (master == null || closed || closing) {
            slot.complete(Replies.error("NOSCRIPT No matching script. Please use EVAL."));
            return;
        }
        connectionFor(master).send(RespWriter.request(ctx.alloc(), args), slot, this);
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

    /**
     * A request that waited for a shared connection which failed before sending it. Following ZooKeeper, a
     * failover or the node's return is coming: hold it like any request without a target (it was never sent,
     * so it may go anywhere later), rather than fail a write that a failover would have carried. With a fixed
     * master it is refused at once, as any request to an unreachable node. Returns whether it was taken.
     */
    boolean holdUnsent(RedisRequest request, Route route, ReplySlot slot) {
        if (closed || closing || !shared.topology().lease().followsZooKeeper() || !loop.held.hold(this, request, route, slot)) {
            return false;
        }
        heldCount++;
        return true;
    }

    /** A held request's turn has come (topology or fence changed): route it again, in order. */
    void release(RedisRequest request, Route route, ReplySlot slot) {
        if (slot == pendingPin) {
            releasePin(request, route, slot);
            return;
        }
        heldCount--;
        if (closed || closing) {
            request.release();
            return; // never sent: nothing to answer, nobody to answer
        }
        route(request, route, slot, true);
    }

    /** A held request waited the whole hold timeout: it was never sent, so a definite error is honest. */
    void expireHeld(RedisRequest request, ReplySlot slot, long heldMillis) {
        TopologyHolder topology = shared.topology();
        String why = topology.notWritableReason();
        if (topology.waitsForReplication()) {
            // Redis' own answer when min-replicas-to-write is not met: clients know it means "not applied".
            failHeldWith(request, slot, "NOREPLICAS Not enough good replicas to write (redis-failover: " + why + "; request held "
                    + heldMillis + " ms)");
            return;
        }
        failHeld(request, slot, "no master available (" + (why == null ? "" : why + "; ") + "request held " + heldMillis + " ms)");
    }

    void failHeld(RedisRequest request, ReplySlot slot, String reason) {
        failHeldWith(request, slot, "ERR redis-failover: " + reason);
    }

    private void failHeldWith(RedisRequest request, ReplySlot slot, String errorLine) {
        boolean pin = slot == pendingPin;
        if (pin) {
            pendingPin = null;
            pendingPinLane = null;
        } else {
            heldCount--;
        }
        request.release();
        slot.complete(Replies.error(errorLine));
        if (pin) {
            runDeferred();
        }
    }

    /** The pool's connection for (target, db), remembering the last one: most requests reuse it. */
    private BackendConnection connectionFor(NodeAddress target) {
        if (own.inUse()) {
            return own.get(loop.pool, target, db, shared.config().databases());
        }
        if (target != lastTarget || db != lastDb || own.protocol() != lastProtocol || loop.pool.generation() != lastGeneration) {
            lastConnection = loop.pool.connection(target, db, own.protocol());
            lastTarget = target;
            lastDb = db;
            lastProtocol = own.protocol();
            lastGeneration = loop.pool.generation();
        }
        return lastConnection;
    }

    /** Queues a reply the proxy built itself, in order behind any outstanding ones. */
    void replyLocal(RedisMessage reply) {
        ReplySlot slot = new ReplySlot(this, true);
        startTiming(slot);
        slot.suppressed = suppressThisReply();
        replies.add(slot);
        slot.complete(reply);
    }

    /** CLIENT REPLY, as Redis applies it: OFF until ON; SKIP for the command after it. */
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

    /** CLIENT INFO: this connection as Redis describes one (the fields a proxy connection has). */
    String describe() {
        long now = System.currentTimeMillis();
        org.redisfailover.proxy.backend.Credentials credentials = own.handshake().credentials();
        String flags = (transaction.inMulti() ? "x" : "") + (subscriptions != null ? "P" : "") + (blockingCalls.isEmpty() ? "" : "b")
                + (own.tracking() ? "t" : "");
        int[] counts = subscriptions == null ? new int[3] : subscriptions.countsByFamily();
        return "id=" + id + " addr=" + address(ctx.channel().remoteAddress()) + " laddr=" + address(ctx.channel().localAddress())
                + " fd=-1 name=" + (name == null ? "" : name) + " age=" + (now - createdAtMillis) / 1000
                + " idle=" + (now - lastCommandAtMillis) / 1000 + " flags=" + (flags.isEmpty() ? "N" : flags) + " db=" + db
                + " sub=" + counts[0] + " psub=" + counts[1] + " ssub=" + counts[2] + " multi=" + (transaction.inMulti() ? 0 : -1)
                + " qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=" + replies.size() + " omem=0 tot-mem=0"
                + " events=r cmd=" + (lastRoute == null ? "NULL" : lastRoute.displayName().toLowerCase(java.util.Locale.ROOT).replace(' ', '|'))
                + " user=" + (credentials == null || credentials.user() == null ? "default" : credentials.user()) + " redir=-1 resp="
                + own.protocol().number() + "\n";
    }

    private static String address(java.net.SocketAddress address) {
        return address instanceof java.net.InetSocketAddress inet
                ? inet.getAddress().getHostAddress() + ":" + inet.getPort() : String.valueOf(address);
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
        answered(slot);
    }

    /** Counts the request being run under its routing class, and times a random sample of them to their reply. */
    private void startTiming(ReplySlot slot) {
        SampledLatency latency;
        if (lastRoute != null && (latency = shared.metrics().requests(lastRoute.routingClass())) != null) {
            latency.count();
            if (SampledLatency.sample()) {
                slot.latency = latency;
                slot.readAtNanos = System.nanoTime();
            }
        }
    }

    /** Counts a forwarded request's reply; once all are in, ended pins are let go and waiting requests run. */
    private void answered(ReplySlot slot) {
        if (slot.latency != null) {
            slot.latency.record(System.nanoTime() - slot.readAtNanos);
            slot.latency = null;
        }
        if (slot.write) {
            slot.write = false;
            writesInFlight--;
            lastWriteAckNanos = System.nanoTime();
            hasWritten = true;
            writeCoveredBy = -1;
        }
        if (slot.forwarded) {
            slot.forwarded = false;
            if (--outstanding == 0) {
                releaseEndedPins();
                runDeferred();
            }
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
        if (!slot.lossIsDefinite() && !shared.topology().acknowledgesWrites()) {
            // The ZooKeeper lease lapsed while this write was on its way (the proxy was cut off or frozen): a
            // monitor may have promoted another master by now, so the write may not survive.
            slot.complete(Replies.error(ReplySlot.UNCERTAIN_CODE + " redis-failover: the reply came after the proxy lost its ZooKeeper "
                    + "lease (" + shared.topology().notWritableReason() + "); the command was applied on the old master but may not "
                    + "survive a failover"));
            return;
        }
        if (replies.peekFirst() == slot) {
            replies.pollFirst();
            if (!slot.suppressed) {
                out.write(buffer, start, length);
                afterWrite();
            }
            drain();
            answered(slot);
        } else {
            slot.complete(buffer.retainedSlice(start, length));
        }
    }

    private void drain() {
        boolean wrote = false;
        while (!replies.isEmpty() && replies.peekFirst().done() && !closed && !closing) {
            ReplySlot head = replies.pollFirst();
            Object reply = head.takeReply();
            if (reply == ReplySlot.CLOSE) {
                // QUIT or a protocol error: deliver what precedes, then close.
                closeAfterPendingWrites();
                return;
            }
            if (head.suppressed) {
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
        if ((pausedFor & PAUSED_PIPELINE) != 0 && replies.size() + deferred.size() < shared.config().maxPipelinePerClient() / 2) {
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
        deferred.forEach(RedisRequest::release);
        deferred.clear();
        out.discard();
        // Redis discards a transaction, subscriptions and blocked calls with their connection.
        resetPinnedState();
        for (BlockingCall call : new java.util.ArrayList<>(blockingCalls)) {
            if (call.connection() != null) {
                call.connection().close();
            }
        }
        blockingCalls.clear();
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

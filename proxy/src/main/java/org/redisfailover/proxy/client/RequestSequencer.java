package org.redisfailover.proxy.client;

import java.util.ArrayDeque;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.command.RoutingClass;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.RespVersion;
import org.redisfailover.proxy.config.ReadPolicy;
import org.redisfailover.proxy.loop.ProxyShared;
import org.redisfailover.proxy.metrics.RequestCounts;

/**
 * Runs a client's requests in order, each on its {@link Lane}: at once when it may start, else it waits,
 * unsent, behind the replies it must not overtake (a lane change), a request held for a master that opens
 * a connection of the client's own, or an AUTH being checked. Counts the requests whose replies are owed.
 *
 * <p>A transaction or a subscription takes every request of the client (Redis queues them in MULTI, and
 * answers them in subscribed mode) except QUIT and RESET, which the proxy answers. After a lost WATCH,
 * requests other than transaction commands run as usual. Confined to the client's event loop.
 */
final class RequestSequencer implements ReplyOrderer.Answers, LaneContext {

    /**
     * About how many reply bytes one client may have coming on backend connections at once. A shared
     * connection delivers its replies in order, so every byte asked for ahead of another client's request is
     * a byte that request waits behind: a client pipelining GETs of large values (and perhaps not reading
     * them) would otherwise hold everyone on its loop behind hundreds of megabytes. Small replies keep the
     * full pipeline ({@code max-pipeline-per-client}).
     */
    static final int IN_FLIGHT_REPLY_BYTES = 1 << 20;
    /** The reply size assumed before a client's first reply: a new client starts with 4 requests in flight, and
     * each small reply doubles that (the average halves), as a TCP slow start. */
    static final int FIRST_REPLY_GUESS = IN_FLIGHT_REPLY_BYTES / 4;
    /** However large its replies, a client may have this many requests in flight. */
    static final int MIN_IN_FLIGHT = 2;

    private final ReplyOrderer replies;
    private final ProxyShared shared;
    private final ClientState state;
    private final OwnConnections own;
    private final ReadYourWrites readYourWrites;
    private final Backpressure backpressure;
    private final RequestCounts requestCounts;
    private Lanes lanes;
    private SharedLane sharedLane;
    /** Told when a reply went out or a request ended (a graceful stop closes the client at its first rest). */
    private Runnable afterReply;
    /** Requests read but not run yet, in arrival order. */
    private final ArrayDeque<RedisRequest> deferred = new ArrayDeque<>();
    /** The lane of the latest request run. */
    private Lane current;
    /** Requests sent to Redis (or held for a master) whose replies are not in yet. */
    private int outstanding;
    /** Lanes that keep every later request waiting (an opening request held for a master, an AUTH being checked). */
    private int holdingBack;

    private boolean runningDeferred;

    /** The lanes a client's requests run on, and the proxy's password check in front of them. */
    record Lanes(
            AuthGate gate,
            SharedLane shared,
            HandshakeLane handshake,
            TransactionLane transactions,
            SubscriptionLane subscriptions,
            BlockingLane blocking) {}

    RequestSequencer(
            ReplyOrderer replies,
            ProxyShared shared,
            ClientState state,
            OwnConnections own,
            ReadYourWrites readYourWrites,
            Backpressure backpressure,
            RequestCounts requestCounts) {
        this.replies = replies;
        this.shared = shared;
        this.state = state;
        this.own = own;
        this.readYourWrites = readYourWrites;
        this.backpressure = backpressure;
        this.requestCounts = requestCounts;
    }

    /**
     * The lanes, made after the sequencer since they run through it ({@link LaneContext}); once, before the first
     * request. {@code afterReply}: told whenever a reply went out or a request ended.
     */
    void runOn(Lanes runOn, Runnable afterReplyListener) {
        this.lanes = runOn;
        this.sharedLane = runOn.shared();
        this.current = sharedLane;
        this.afterReply = afterReplyListener;
    }

    /** A request read from the client (ownership passes). */
    void onRequest(RedisRequest request) {
        if (!replies.isOpen()) {
            request.release();
            return;
        }
        if (!deferred.isEmpty() || holdingBack > 0 || windowFull() || !execute(request)) {
            deferred.add(request);
        }
        if (replies.size() + deferred.size() >= shared.config().maxPipelinePerClient()) {
            backpressure.pause(Backpressure.PIPELINE);
        }
    }

    /** Runs {@code request} now, or returns false, with nothing taken, when it must wait. */
    private boolean execute(RedisRequest request) {
        Route route = shared.classifier().classify(request);
        state.commandRead(route);
        if (shared.metrics().recording()) {
            requestCounts.count(route.routingClass());
        }
        if (lanes.gate().answers(request, route)) {
            return true;
        }
        Lane wanted = laneFor(request, route);
        if (wanted == sharedLane && current == sharedLane) {
            sharedLane.run(request, route); // the common case: nothing to check
            return true;
        }
        // The handshake gate runs in front of the shared connections: after it, the client is on them.
        Lane next = wanted == lanes.handshake() ? sharedLane : wanted;
        if (!wanted.mayStart(request, route, next != current, outstanding)) {
            return false;
        }
        current = next;
        wanted.run(request, route);
        return true;
    }

    /** The lane of a request (see the class comment). */
    private Lane laneFor(RedisRequest request, Route route) {
        RoutingClass routingClass = route.routingClass();
        TransactionLane transactions = lanes.transactions();
        SubscriptionLane subscriptions = lanes.subscriptions();
        boolean free = !transactions.engaged()
                || (transactions.doomed() && !transactions.inMulti() && routingClass != RoutingClass.PIN_TRANSACTION);
        // In RESP3 a subscribed client may run any command; only the (un)subscriptions go to its subscription link.
        boolean subscribedFree = !subscriptions.subscribed()
                || (own.protocol() == RespVersion.RESP3 && routingClass != RoutingClass.PIN_PUBSUB);
        if (subscribedFree && free) {
            return switch (routingClass) {
                case PIN_BLOCKING -> lanes.blocking();
                case PIN_PUBSUB -> subscriptions;
                case PIN_TRANSACTION ->
                    request.argEqualsIgnoreCase(0, "multi") || request.argEqualsIgnoreCase(0, "watch")
                            ? transactions
                            : sharedLane;
                default -> lanes.handshake().takes(route) ? lanes.handshake() : sharedLane;
            };
        }
        if (request.argEqualsIgnoreCase(0, "quit") || request.argEqualsIgnoreCase(0, "reset")) {
            return sharedLane;
        }
        return transactions.engaged() && !free ? transactions : subscriptions;
    }

    @Override
    public ReplySlot forwardedSlot(Route route, boolean definite) {
        ReplySlot slot = replies.newSlot(route, definite);
        boolean countedAsWrite = route.mayWrite() && shared.config().readPolicy() == ReadPolicy.READ_YOUR_WRITES;
        slot.forwarded(countedAsWrite);
        if (countedAsWrite) {
            readYourWrites.writeSent();
        }
        outstanding++;
        return slot;
    }

    @Override
    public void runShared(RedisRequest request, Route route) {
        sharedLane.run(request, route);
    }

    /**
     * Whether the client has as many requests in flight as its window allows, so the next one waits. Below
     * {@link #MIN_IN_FLIGHT} it never is, and the window is not worked out (most clients do not pipeline).
     */
    private boolean windowFull() {
        return outstanding >= MIN_IN_FLIGHT && outstanding >= inFlightWindow();
    }

    /** How many requests this client may have in flight: {@link #IN_FLIGHT_REPLY_BYTES} worth of its recent replies. */
    private int inFlightWindow() {
        int bySize = IN_FLIGHT_REPLY_BYTES / Math.max(1, replies.replyBytesAverage());
        return Math.max(MIN_IN_FLIGHT, Math.min(bySize, shared.config().maxPipelinePerClient()));
    }

    @Override
    public void holdBack() {
        holdingBack++;
    }

    @Override
    public void stopHoldingBack() {
        holdingBack--;
        runDeferred();
    }

    /** Counts a forwarded request's reply; once all are in, an ended transaction's pin is let go and waiting requests run. */
    @Override
    public void answered(ReplySlot slot) {
        if (slot.takeWrite()) {
            readYourWrites.writeAnswered();
        }
        if (slot.takeForwarded()) {
            if (--outstanding == 0) {
                lanes.transactions().releaseEndedPin();
                runDeferred();
            } else if (!deferred.isEmpty() && !windowFull()) {
                runDeferred();
            }
        }
        afterReply.run();
    }

    @Override
    public void drained() {
        resumeIfShortEnough();
        afterReply.run();
    }

    /** Nothing in flight, held or waiting to run. */
    boolean idle() {
        return outstanding == 0 && deferred.isEmpty() && holdingBack == 0;
    }

    /** Runs the requests that were waiting, in order, until one has to wait again. */
    @Override
    public void runDeferred() {
        if (runningDeferred) {
            return;
        }
        runningDeferred = true;
        try {
            while (!deferred.isEmpty() && holdingBack == 0 && !windowFull() && replies.isOpen()) {
                if (!execute(deferred.peek())) {
                    break;
                }
                deferred.poll();
            }
        } finally {
            runningDeferred = false;
        }
        resumeIfShortEnough();
    }

    private void resumeIfShortEnough() {
        if (backpressure.pausedFor(Backpressure.PIPELINE)
                && replies.size() + deferred.size() < shared.config().maxPipelinePerClient() / 2) {
            backpressure.resume(Backpressure.PIPELINE);
        }
    }

    /** The client is gone: what was never run is dropped. */
    void discardDeferred() {
        deferred.forEach(RedisRequest::release);
        deferred.clear();
    }
}

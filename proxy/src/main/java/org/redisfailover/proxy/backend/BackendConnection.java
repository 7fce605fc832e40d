package org.redisfailover.proxy.backend;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.RespReplyFramer;
import org.redisfailover.protocol.resp.RespWriter;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.errors.ProxyErrors;
import org.redisfailover.proxy.io.Flushable;
import org.redisfailover.proxy.io.WriteCoalescer;
import org.redisfailover.proxy.metrics.BackendNodeMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pipelined connection to a Redis node and database, shared by every client of one event loop.
 *
 * <p>Requests are written in arrival order and their slots queued in a bounded FIFO; each reply
 * completes the head. Until the connection is ready (connected, authenticated, database selected),
 * requests wait in a bounded queue, unsent. When the connection dies, every request it sent gets a
 * "lost" outcome and every unsent one a definite error, at once; then it reconnects with backoff.
 * Confined to its event loop: no locks.
 */
public final class BackendConnection implements Flushable, RespReplyFramer.ReplySink {

    private static final Logger log = LoggerFactory.getLogger(BackendConnection.class);

    enum State {
        IDLE,
        CONNECTING,
        HANDSHAKING,
        READY,
        BACKOFF,
        CLOSED
    }

    /** How a connection's channel ends; {@link #end} is the one way, and fails what was pending exactly once. */
    private enum End {
        /** The channel died, or the node answered wrongly: a shared connection reconnects, a dedicated one's owner hears why. */
        FAILED,
        /** A dedicated connection whose node is no longer routed to: for good, and its owner hears why. */
        BROKEN_OFF,
        /** Closed on purpose (node demoted, retired, proxy stopping): for good, and nobody is told. */
        CLOSED,
        /**
         * The handshake was answered BUSY: the node is alive, running a long script. Nothing was sent; what waited
         * gets Redis' own BUSY error, the node is not marked down, and a shared connection tries again later.
         */
        NODE_BUSY
    }

    /** Why a connection exists: shared by the loop's clients, or one client's own (see {@link BackendPool#dedicated}). */
    public enum Purpose {
        /** Pipelined for every client of the loop; reconnects after a failure. */
        SHARED,
        /** Carries one client's MULTI/WATCH state; drained and closed when its node is retired. */
        TRANSACTION,
        /** Carries one client's blocking call; left alone on retirement (Redis unblocks it on demotion). */
        BLOCKING,
        /** Carries one client's subscriptions; a demoted master still delivers what the new one publishes. */
        SUBSCRIPTION,
        /** Carries the requests of a client that authenticated as its own Redis user; drained on retirement. */
        CLIENT,
        /** Carries the proxy's own heartbeat to the master (the replication guard); no client's. */
        CONTROL,
        /**
         * Carries commands Redis runs while a script keeps it busy (SCRIPT KILL, FUNCTION KILL, the busy check's
         * PING): it only logs in (no SELECT, no run-id check, which Redis would refuse with BUSY then), and no
         * client request queues behind anything on it.
         */
        URGENT
    }

    private record Waiting(RedisRequest request, PendingReply slot) {}

    /** Redis reads 16 KiB at a time (PROTO_IOBUF_LEN): a batch that large is worth sending at once. */
    private static final int EARLY_FLUSH_BYTES = 16 * 1024;

    private final NodeAddress node;
    private final int db;
    private final BackendContext context;
    private final Purpose purpose;
    /** The login, protocol and tracking it serves its clients with. */
    private final Handshake handshake;

    private final Backoff backoff = new Backoff(100, 5_000);
    /** How long a BUSY refusal of the handshake answers for the node before a request tries a new connection. */
    private static final long BUSY_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** The BUSY error that refused the last handshake (a script keeps the node busy), and when; null otherwise. */
    private String busyLine;

    private long busyAtNanos;
    private final ArrayDeque<PendingReply> inFlight = new ArrayDeque<>();
    /** Replies taken so far, and the count and time at the last timeout check that saw it move: progress. */
    private long repliesTaken;

    private long repliesAtLastCheck;
    private long lastProgressNanos;
    /** When the handshake began: a node that accepts the connection but never answers it (frozen) times out too. */
    private long handshakeStartedNanos;
    /** Set when the pool found it stalled long enough to check its node: its next reply tells the pool the stall ended. */
    private boolean stallReported;

    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private final List<BackendListener> pausedClients = new ArrayList<>();

    private State state = State.IDLE;
    private Channel channel;
    private WriteCoalescer out;
    /** The handshake in progress (null once the connection is ready, or before it connects). */
    private HandshakeExchange handshaking;

    private String lastFailure = "not connected yet";
    private ScheduledFuture<?> reconnectTimer;
    private boolean flushQueued;
    /** Set by {@link #retire}: run once the connection has closed, drained or not; while set, it closes once drained. */
    private Runnable onRetired;
    /** Told why, once, when a dedicated connection breaks (not when it is closed on purpose). */
    private Consumer<String> onBroken;
    /** Receives frames that answer no request (pub/sub messages); null where such a frame is a fault. */
    private RespReplyFramer.ReplySink unsolicited;
    /** Null when metrics are off. */
    private final BackendNodeMetrics metrics;
    /**
     * Requests written and replies read and not yet added to the node's counters: added once per flush and
     * once per read, not once per request.
     */
    private int uncountedSent;

    private int uncountedReplies;
    /** Safe mode's group commit on a write connection; null elsewhere. */
    private ReplicaAcks acks;

    BackendConnection(NodeAddress node, int db, BackendContext context, Purpose purpose, Handshake handshake) {
        this.node = node;
        this.db = db;
        this.context = context;
        this.purpose = purpose;
        this.handshake = handshake;
        this.metrics = context.metrics().node(node);
    }

    public NodeAddress node() {
        return node;
    }

    public int db() {
        return db;
    }

    public Purpose purpose() {
        return purpose;
    }

    public Handshake handshake() {
        return handshake;
    }

    /** For a dedicated connection: who hears that it broke. Replaces the previous owner's listener. */
    public void onBroken(Consumer<String> listener) {
        this.onBroken = listener;
    }

    /** Frames with no request waiting for them go to {@code sink} (a subscription's messages). */
    public void onUnsolicited(RespReplyFramer.ReplySink sink) {
        this.unsolicited = sink;
    }

    /** Connected or connecting, with nothing sent or waiting: safe to hand to another request. */
    boolean isIdle() {
        return (state == State.READY || state == State.CONNECTING || state == State.HANDSHAKING)
                && inFlight.isEmpty()
                && waiting.isEmpty()
                && onRetired == null;
    }

    /** True once closed for good. */
    public boolean isClosed() {
        return state == State.CLOSED;
    }

    /** Sends {@code request} (ownership passes) and completes {@code slot} with its outcome. */
    public void send(RedisRequest request, PendingReply slot, BackendListener client) {
        switch (state) {
            case READY -> {
                if (inFlight.size() >= context.owner().config().maxInFlightPerBackend()) {
                    request.release();
                    slot.refused(ProxyErrors.tooManyInFlight(node));
                    return;
                }
                write(request, slot);
                if (!channel.isWritable()) {
                    pauseUntilWritable(client);
                }
            }
            case IDLE, CONNECTING, HANDSHAKING -> {
                if (waiting.size() >= context.owner().config().maxInFlightPerBackend()) {
                    request.release();
                    slot.refused(ProxyErrors.tooManyWaiting(node));
                    return;
                }
                waiting.add(new Waiting(request, slot));
                if (state == State.IDLE) {
                    connect();
                }
            }
            case BACKOFF -> {
                if (busyLine == null) {
                    slot.unsent(request, unreachableError());
                } else if (System.nanoTime() - busyAtNanos < BUSY_RETRY_NANOS) {
                    request.release();
                    slot.refused(busyLine); // the node said so a moment ago: Redis' own answer, without asking again
                } else {
                    // Busy a while ago: ask again now, on a new connection, rather than after a backoff.
                    busyLine = null;
                    state = State.IDLE;
                    waiting.add(new Waiting(request, slot));
                    connect();
                }
            }
            case CLOSED -> slot.unsent(request, unreachableError());
        }
    }

    /** Makes this a write connection of safe mode: every flush with writes in it ends with a WAIT. */
    void awaitReplicaAcks(int replicas, long timeoutMillis) {
        acks = new ReplicaAcks(node, replicas, timeoutMillis, context.metrics());
    }

    /**
     * Sends a request that may write: on a write connection its reply waits for the replicas' acknowledgement
     * (the WAIT at the end of its batch) unless {@code proof} takes it as proof that nothing was written;
     * elsewhere this is {@link #send}.
     */
    public void sendWrite(RedisRequest request, PendingReply slot, NothingWritten proof, BackendListener client) {
        send(request, acks == null ? slot : acks.hold(slot, proof), client);
    }

    /** Whether writes sent with {@link #sendWrite} wait for replicas here (safe mode's write connections). */
    public boolean awaitsReplicaAcks() {
        return acks != null;
    }

    /**
     * Safe mode on a connection that is not a write connection (a transaction's EXEC, a write next to a
     * WATCH, a blocking pop): the request, then at once a WAIT for it, so that no later request of the client
     * (a new MULTI) can come between them; the reply waits for the WAIT's answer as on a write connection.
     */
    public void sendWriteAndWait(
            RedisRequest request,
            PendingReply slot,
            NothingWritten proof,
            BackendListener client,
            int replicas,
            long timeoutMillis) {
        ReplicaAcks single = new ReplicaAcks(node, replicas, timeoutMillis, context.metrics());
        send(request, single.hold(slot, proof), client);
        send(RespWriter.request(ByteBufAllocator.DEFAULT, single.waitCommand()), single.closeBatch(), null);
    }

    /** Usable for routing: not failing. A connection still connecting counts as usable. */
    public boolean isHealthy() {
        return state != State.BACKOFF && state != State.CLOSED;
    }

    private void write(RedisRequest request, PendingReply slot) {
        slot.markSent(System.nanoTime());
        uncountedSent++;
        inFlight.add(slot);
        out.write(request.buffer(), request.start(), request.length());
        request.release();
        if (out.pendingBytes() >= EARLY_FLUSH_BYTES) {
            // Let Redis (on its own CPU) start on this batch while the loop reads the next clients.
            appendWait();
            addUncounted();
            out.flush();
        } else {
            queueFlush();
        }
    }

    private void pauseUntilWritable(BackendListener client) {
        if (client != null && client.pauseForBackend()) {
            pausedClients.add(client);
        }
    }

    private void queueFlush() {
        if (!flushQueued) {
            flushQueued = true;
            context.batcher().flushLater(this);
        }
    }

    @Override
    public void flushNow() {
        flushQueued = false;
        if (out != null) {
            appendWait();
            addUncounted();
            out.flush();
        }
    }

    /** The end of one read from the node: its replies are counted (before the batcher flushes them to clients). */
    void onReadComplete() {
        addUncounted();
    }

    private void addUncounted() {
        if (metrics != null) {
            if (uncountedSent != 0) {
                metrics.sent().mark(uncountedSent);
            }
            if (uncountedReplies != 0) {
                metrics.latency().count(uncountedReplies);
            }
        }
        uncountedSent = 0;
        uncountedReplies = 0;
    }

    /**
     * Ends the writes sent since the last WAIT with one (group commit): one replication round trip covers
     * the whole batch. Only on a ready write connection: before that nothing was sent.
     */
    private void appendWait() {
        if (acks == null || !acks.unwaited() || state != State.READY) {
            return;
        }
        PendingReply waitReply = acks.closeBatch();
        RedisRequest wait = RespWriter.request(channel.alloc(), acks.waitCommand());
        waitReply.markSent(System.nanoTime());
        inFlight.add(waitReply);
        out.write(wait.buffer(), wait.start(), wait.length());
        wait.release();
    }

    /** Starts connecting now (used to warm up connections before the first request). */
    void connect() {
        if (state != State.IDLE && state != State.BACKOFF) {
            return;
        }
        state = State.CONNECTING;
        Bootstrap bootstrap = context.bootstrap()
                .clone()
                .handler(new BackendChannelInitializer(
                        this, context.owner().config().limits(), context.tls()));
        ChannelFuture future = bootstrap.connect(node.host(), node.port());
        channel = future.channel();
        future.addListener(f -> {
            if (!f.isSuccess()) {
                onFailure(future.channel(), "cannot connect: " + describe(f.cause()));
            }
        });
    }

    /** The channel is connected: authenticate and select the database before any client request. */
    void onConnected(Channel connected) {
        if (state != State.CONNECTING || connected != channel) {
            connected.close();
            return;
        }
        state = State.HANDSHAKING;
        handshakeStartedNanos = System.nanoTime();
        out = new WriteCoalescer(connected, 16 * 1024);
        Credentials login = handshake.credentials() != null
                ? handshake.credentials()
                : context.owner().config().backendPassword() == null
                        ? null
                        : new Credentials(
                                context.owner().config().backendUser(),
                                context.owner().config().backendPassword());
        String expectedRunId =
                purpose == Purpose.URGENT ? null : context.expectedRunId().apply(node);
        handshaking = new HandshakeExchange(
                connected,
                handshake,
                login,
                db,
                expectedRunId,
                context.groupAccess() != null,
                // An urgent connection only logs in: a node busy with a script refuses READONLY with BUSY.
                context.owner().config().cluster() != null && purpose != Purpose.URGENT);
        if (handshaking.done()) {
            onReady();
        } else {
            connected.flush();
        }
    }

    private void onReady() {
        if (handshaking.passwordRequired() != null) {
            context.groupAccess().observe(handshaking.passwordRequired());
        }
        handshaking = null;
        busyLine = null;
        state = State.READY;
        if (backoff.failures() > 0) {
            log.atInfo()
                    .addKeyValue("event", "backend_up")
                    .addKeyValue("node", node)
                    .addKeyValue("db", db)
                    .log("backend {} db {} reconnected after {} failed attempts", node, db, backoff.failures());
        }
        backoff.reset();
        context.health().markUp(node);
        log.debug("backend {} db {} ready", node, db);
        while (!waiting.isEmpty()) {
            Waiting next = waiting.poll();
            write(next.request(), next.slot());
        }
    }

    /** One whole reply from Redis: {@code length} bytes of {@code buffer} at {@code start} (not owned). */
    @Override
    public void onReply(ByteBuf buffer, int start, int length) {
        if (handshaking != null) {
            String refusal = handshaking.check(buffer, start, length);
            if (refusal != null && handshaking.busyLine() != null) {
                end(handshaking.busyLine(), End.NODE_BUSY);
            } else if (refusal != null) {
                onFailure(channel, refusal);
            } else if (handshaking.done()) {
                onReady();
            }
            return;
        }
        if (buffer.getByte(start) == '>' && purpose != Purpose.SUBSCRIPTION) {
            // A RESP3 push (a client-tracking invalidation) answers no request: out of band, between replies.
            if (unsolicited != null) {
                unsolicited.onReply(buffer, start, length);
            }
            return;
        }
        // Taken off the queue first, so that whoever the reply completes sees this connection as it will
        // be (a borrowed connection given back from inside the call must look idle).
        PendingReply slot = inFlight.poll();
        repliesTaken++;
        if (stallReported) {
            stallReported = false;
            context.owner().stallEnded(node);
        }
        if (slot == null) {
            if (unsolicited != null) {
                unsolicited.onReply(buffer, start, length);
            } else {
                onFailure(channel, "reply without a request");
            }
            return;
        }
        long sentAt = slot.sentAtNanos();
        boolean timed = slot.timed(); // read first: completing the slot ends its timing
        if (!slot.onFrame(buffer, start, length)) {
            inFlight.addFirst(slot); // a reply of several frames (pub/sub) continues
            return;
        }
        uncountedReplies++;
        if (metrics != null) {
            if (timed) {
                metrics.latency().record(System.nanoTime() - sentAt);
            }
        }
        if (onRetired != null && inFlight.isEmpty()) {
            close();
        }
    }

    void onWritable() {
        if (pausedClients.isEmpty()) {
            return;
        }
        List<BackendListener> resumed = new ArrayList<>(pausedClients);
        pausedClients.clear();
        resumed.forEach(BackendListener::resumeFromBackend);
    }

    /**
     * How long the oldest request has waited with no reply taken meanwhile, or the handshake has waited for its
     * answers, or -1 when nothing waits that could time out (nothing sent, or a call that may block). A connection that is still taking
     * replies is alive however long its queue: a deep pipeline of large replies can keep the last of them
     * waiting past the timeout on a healthy Redis.
     */
    long stalledNanos(long nowNanos) {
        if (repliesTaken != repliesAtLastCheck) {
            repliesAtLastCheck = repliesTaken;
            lastProgressNanos = nowNanos;
        }
        if (state == State.HANDSHAKING) {
            return nowNanos - handshakeStartedNanos; // nothing of a client's is sent before the handshake is done
        }
        PendingReply oldest = inFlight.peek();
        if (state != State.READY || oldest == null || oldest.mayBlock()) {
            return -1;
        }
        return nowNanos - Math.max(oldest.sentAtNanos(), lastProgressNanos);
    }

    /** The script that kept the node busy was stopped: the next request connects at once. */
    void busyEnded() {
        busyAtNanos = System.nanoTime() - BUSY_RETRY_NANOS; // its last BUSY answer no longer stands
    }

    /** The pool checks the node of this stalled connection: its next reply ends the stall. */
    void reportStall() {
        stallReported = true;
    }

    /** Stalled past the backend timeout on a node not known to be busy: the node counts as dead. */
    void timeOut(long timeoutNanos) {
        onFailure(channel, "no reply for " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
    }

    /**
     * Connection lost, refused, timed out or broken: fail everything pending, then back off. Events of
     * a channel that is no longer this connection's current one are ignored.
     */
    void onFailure(Channel failed, String reason) {
        if (failed != channel || channel == null) {
            return;
        }
        end(reason, End.FAILED);
    }

    /**
     * The one way a connection's channel ends. Whatever was pending fails here, once: what was sent is lost
     * (its outcome unknown), what waited unsent gets a definite error. Then a shared connection that failed
     * backs off and reconnects; anything else is closed for good, and the owner of a dedicated one that did
     * not close on purpose hears why.
     */
    private void end(String reason, End how) {
        if ((how == End.BROKEN_OFF || how == End.CLOSED) && reconnectTimer != null) {
            reconnectTimer.cancel(false);
        }
        boolean wasClosed = state == State.CLOSED;
        int lostCount = channel == null ? 0 : failPending(reason, how);
        boolean forGood = how == End.BROKEN_OFF
                || how == End.CLOSED
                || purpose != Purpose.SHARED
                || context.owner().isClosed()
                || onRetired != null;
        if (!forGood && how == End.NODE_BUSY) {
            // Alive: no backoff. The next request connects again, and meets the same answer until the script ends.
            busyLine = reason;
            busyAtNanos = System.nanoTime();
            log.debug("backend {} db {} is busy running a script: {}", node, db, reason);
            return;
        }
        if (!forGood) {
            reconnectLater(reason, lostCount);
            return;
        }
        state = State.CLOSED;
        if (!wasClosed && purpose != Purpose.SHARED) {
            context.owner().forgetDedicated(this);
        }
        runRetired();
        // A client's own connection carries state (MULTI, WATCH, subscriptions) that a silent reconnect would
        // lose: its owner decides what the client is told.
        if (how != End.CLOSED && !wasClosed && purpose != Purpose.SHARED && onBroken != null) {
            onBroken.accept(reason);
        }
    }

    /** Drops the channel and fails every request on it or waiting for it; returns how many sent ones were lost. */
    private int failPending(String reason, End how) {
        Channel failed = channel;
        lastFailure = reason;
        channel = null;
        if (out != null) {
            out.discard();
            out = null;
        }
        state = State.BACKOFF;
        handshaking = null;
        if (how == End.FAILED || how == End.BROKEN_OFF) {
            context.health().markDown(node);
        }
        failed.close();
        int lostCount = inFlight.size();
        addUncounted(); // sent, replied and lost add up: in_flight = sent - replies - lost
        if (metrics != null) {
            if (how == End.FAILED || how == End.BROKEN_OFF) {
                metrics.failures().mark();
            }
            metrics.lost().mark(lostCount);
        }
        while (!inFlight.isEmpty()) {
            inFlight.poll().lost(node, reason);
        }
        String unsent = unreachableError();
        while (!waiting.isEmpty()) {
            Waiting next = waiting.poll();
            if (how == End.NODE_BUSY) {
                // Redis' own answer to a request it gets while a script runs: a definite one, nothing ran.
                next.request().release();
                next.slot().refused(reason);
            } else {
                next.slot().unsent(next.request(), unsent);
            }
        }
        onWritable();
        return lostCount;
    }

    private void reconnectLater(String reason, int lostCount) {
        boolean firstFailure = backoff.failures() == 0;
        long delay = backoff.nextDelayMillis();
        // One line when the node fails, one when it is back: a node down for an hour must not fill the log.
        if (firstFailure) {
            log.atWarn()
                    .addKeyValue("event", "backend_down")
                    .addKeyValue("node", node)
                    .addKeyValue("db", db)
                    .addKeyValue("lost", lostCount)
                    .log(
                            "backend {} db {} failed: {}; {} in-flight requests lost; reconnecting",
                            node,
                            db,
                            reason,
                            lostCount);
        } else {
            log.debug("backend {} db {} still failing: {}; reconnecting in {} ms", node, db, reason, delay);
        }
        reconnectTimer = context.loop().schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    private String unreachableError() {
        return ProxyErrors.unreachable(node, lastFailure);
    }

    /**
     * Closes for good once every request already sent has its reply (the node stops being the master in a
     * planned switchover: what it was sent completes normally). Requests still waiting for the handshake
     * are sent first. A failure or the backend timeout meanwhile ends it as any loss does. Runs
     * {@code onClosed} once it is closed.
     */
    void retire(Runnable onClosed) {
        onRetired = onClosed;
        boolean nothingPending = inFlight.isEmpty() && waiting.isEmpty();
        if (nothingPending || state == State.IDLE || state == State.BACKOFF || state == State.CLOSED) {
            close();
        }
    }

    /** Tells the owner of a dedicated connection that it ended, and why (retired by a switchover). */
    void reportBroken(String reason) {
        if (onBroken != null) {
            Consumer<String> listener = onBroken;
            onBroken = null;
            listener.accept(reason);
        }
    }

    /**
     * Ends a dedicated connection because its node stopped being routed to: like a failure, its owner
     * hears why (the state it carried is gone), and it is never reconnected.
     */
    void breakOff() {
        end(context.owner().isClosed() ? "proxy shutting down" : node + " is no longer routed to", End.BROKEN_OFF);
    }

    /** Closes for good (node demoted, or proxy shutdown): pending requests fail as on any loss; no reconnect. */
    public void close() {
        end(context.owner().isClosed() ? "proxy shutting down" : "no longer routed to", End.CLOSED);
    }

    private void runRetired() {
        if (onRetired != null) {
            Runnable retired = onRetired;
            onRetired = null;
            retired.run();
        }
    }

    private static String describe(Throwable cause) {
        if (cause == null) {
            return "unknown error";
        }
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message;
    }
}

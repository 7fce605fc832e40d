package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import java.util.List;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.command.RoutingClass;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.resp.RespWriter;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.BackendConnection;
import org.redisfailover.proxy.backend.IgnoredReply;
import org.redisfailover.proxy.backend.NothingWritten;
import org.redisfailover.proxy.backend.PendingReply;
import org.redisfailover.proxy.errors.ProxyErrors;
import org.redisfailover.proxy.loop.HeldRequests;
import org.redisfailover.proxy.loop.ProxyShared;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MULTI/EXEC/DISCARD and WATCH/UNWATCH, on a master connection of the client's own (its pin) from the
 * first WATCH or MULTI until the transaction ends. The pin goes back to the pool then, or closes if a
 * command on it may have left connection state behind.
 */
final class TransactionLane extends PinnedLane {

    private static final Logger log = LoggerFactory.getLogger(TransactionLane.class);

    private final TransactionState transaction = new TransactionState();
    private BackendConnection pin;
    /** The pin ran a command that may leave connection state behind (CLIENT SETNAME, HELLO): close it rather than reuse it. */
    private boolean pinTainted;
    /**
     * In a cluster: MULTI was answered but not sent yet, since the transaction's node is its first command's (that
     * command's slot). It goes out ahead of that command.
     */
    private boolean multiUnsent;

    private final ProxyShared shared;
    /** Cluster mode: runs a transaction again where its slot moved (null in front of a group). */
    private final TransactionReplay replay;

    TransactionLane(
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
        this.replay = routing.pinsByKey()
                ? new TransactionReplay(
                        routing,
                        connections,
                        eventLoop,
                        shared.config().holdTimeout().toNanos(),
                        this::repin)
                : null;
    }

    /** True while the client's requests must stay on its pinned connection (or be answered as doomed). */
    boolean engaged() {
        return transaction.engaged();
    }

    boolean inMulti() {
        return transaction.inMulti();
    }

    boolean doomed() {
        return transaction.doomed();
    }

    @Override
    public boolean mayStart(RedisRequest request, Route route, boolean laneChanges, int outstanding) {
        boolean opensPin = pin == null && !transaction.doomed();
        return !(laneChanges || opensPin) || outstanding == 0;
    }

    @Override
    public void run(RedisRequest request, Route route) {
        String name = request.name();
        RoutingClass routingClass = route.routingClass();
        if (transaction.doomed()) {
            RedisMessage answer = transaction.answerDoomed(name, request.argc(), own.protocol());
            if (answer != null) {
                request.release();
                replies.replyLocal(answer);
                return;
            }
        }
        if (routingClass == RoutingClass.DENY
                || routingClass == RoutingClass.SESSION
                || routingClass == RoutingClass.CLOSE
                || (!transaction.inMulti() && (name.equals("exec") || name.equals("discard")))) {
            lanes.runShared(request, route);
            return;
        }
        if (routingClass == RoutingClass.GROUP) {
            if (transaction.inMulti()) {
                request.release();
                replies.replyLocal(Replies.error(ProxyErrors.groupCommandInMulti(route.displayName())));
            } else {
                lanes.runShared(request, route);
            }
            return;
        }
        if (name.equals("select")) {
            request.release();
            replies.replyLocal(Replies.error(ProxyErrors.SELECT_IN_TRANSACTION));
            return;
        }
        if (pin == null && routing.pinsByKey() && deferMulti(request, name)) {
            return;
        }
        // Queued inside MULTI, a command has done nothing until EXEC: losing its reply is a definite failure.
        boolean definite = transaction.inMulti()
                ? !name.equals("exec")
                : routingClass.isRead() || routingClass == RoutingClass.PIN_TRANSACTION;
        open(request, route, lanes.forwardedSlot(route, definite));
    }

    /**
     * In a cluster, with no pin yet: MULTI is answered here and sent ahead of the first command, on that command's
     * node; EXEC and DISCARD of a transaction that queued nothing are answered as Redis would. True when answered.
     */
    private boolean deferMulti(RedisRequest request, String name) {
        boolean exact = request.argc() == 1;
        if (name.equals("multi") && exact && !transaction.inMulti()) {
            multiUnsent = true;
            replay.begin(); // nothing watched: with no pin yet, no WATCH came before
        } else if (multiUnsent && exact && (name.equals("exec") || name.equals("discard"))) {
            multiUnsent = false;
        } else {
            return false;
        }
        transaction.onSent(name, request.argc(), false);
        request.release();
        replies.replyLocal(name.equals("exec") ? new ArrayRedisMessage(List.of()) : Replies.OK);
        return true;
    }

    @Override
    protected void open(RedisRequest request, Route route, ReplySlot slot) {
        if (pin == null) {
            NodeAddress master = routing.pinnedNode(request);
            if (master == null) {
                holdForMaster(request, route, slot);
                return;
            }
            if (own.tracking()) {
                // What the transaction reads must be tracked, on a connection that outlives it.
                pin = connections.ownTo(master);
            } else {
                pin = connections.borrow(master, BackendConnection.Purpose.TRANSACTION, own.handshake());
                pin.onBroken(this::pinBroken);
            }
            if (multiUnsent) {
                multiUnsent = false;
                connections.sendOnOwn(
                        pin, RespWriter.request(ByteBufAllocator.DEFAULT, "MULTI"), new IgnoredReply(), null);
            }
        }
        RoutingClass routingClass = route.routingClass();
        if (routingClass != RoutingClass.MASTER
                && routingClass != RoutingClass.PIN_TRANSACTION
                && !routingClass.isRead()) {
            pinTainted = true;
        }
        NothingWritten proof = SafeWrites.inTransaction(shared.config(), transaction, request, route);
        boolean exec =
                transaction.inMulti() && request.argc() == 1 && request.name().equals("exec");
        transaction.onSent(request.name(), request.argc(), route.mayWrite());
        if (replay == null) {
            connections.sendOnOwn(pin, request, routing.onOwnConnection(slot, pin.node()), proof);
        } else if (exec && replay.moved()) {
            request.release(); // a queued command met a redirection: the transaction runs where its slot went
            replay.runMoved(slot, proof);
        } else if (exec) {
            connections.sendOnOwn(pin, request, replay.execReply(slot, pin.node(), proof), proof);
        } else {
            if (transaction.inMulti()) {
                replay.queued(request);
            } else {
                replay.end(); // DISCARD, or a command outside MULTI
            }
            connections.sendOnOwn(pin, request, routing.onOwnConnection(slot, pin.node(), replay::absorb), proof);
        }
    }

    /**
     * Cluster mode: the transaction moves to {@code node}. The old pin gets DISCARD after what was sent on it (Redis
     * may hold the transaction there still, or has discarded it already) and closes at its answer.
     */
    private BackendConnection repin(NodeAddress node) {
        BackendConnection old = pin;
        if (old != null && old.purpose() == BackendConnection.Purpose.CLIENT) {
            // The client's own connection stays: it must not be left inside a MULTI.
            connections.sendOnOwn(
                    old, RespWriter.request(ByteBufAllocator.DEFAULT, "DISCARD"), new IgnoredReply(), null);
        } else if (old != null) {
            old.onBroken(null);
            connections.sendOnOwn(
                    old, RespWriter.request(ByteBufAllocator.DEFAULT, "DISCARD"), new ClosesAfter(old), null);
        }
        pin = null;
        pinTainted = false;
        if (own.tracking()) {
            pin = connections.ownTo(node);
        } else {
            pin = connections.borrow(node, BackendConnection.Purpose.TRANSACTION, own.handshake());
            pin.onBroken(this::pinBroken);
        }
        return pin;
    }

    /** The answer to the DISCARD that ends a pin the transaction left: the pin closes then. */
    private static final class ClosesAfter extends PendingReply {
        private final BackendConnection connection;

        ClosesAfter(BackendConnection connection) {
            this.connection = connection;
        }

        @Override
        public boolean onFrame(ByteBuf buffer, int start, int length) {
            connection.close();
            return true;
        }

        @Override
        public void lost(NodeAddress node, String reason) {
            // closed already
        }

        @Override
        public void refused(String errorLine) {
            connection.close();
        }
    }

    /** One of the client's own connections broke: a transaction on it is lost. */
    void ownConnectionBroken(BackendConnection connection, String reason) {
        if (connection == pin) {
            pinBroken(reason);
        }
    }

    private void pinBroken(String reason) {
        NodeAddress node = pin == null ? null : pin.node();
        pin = null;
        pinTainted = false;
        if (transaction.engaged()) {
            transaction.pinLost("the connection to the master " + node + " was lost (" + reason + ")");
            log.info(
                    "client {}: transaction connection to {} lost ({}); its MULTI/WATCH is answered as aborted",
                    state.remoteAddress(),
                    node,
                    reason);
        }
    }

    /** Every reply is in: a pin whose transaction has ended goes back to the pool (or closes, if it may carry state). */
    void releaseEndedPin() {
        if (pin == null || transaction.engaged()) {
            return;
        }
        BackendConnection ended = pin;
        pin = null;
        if (ended.purpose() != BackendConnection.Purpose.CLIENT) { // the client's own connection stays in use
            if (pinTainted) {
                ended.onBroken(null);
                ended.close();
            } else {
                connections.giveBack(ended);
            }
        }
        pinTainted = false;
    }

    /** RESET, or the client is gone: Redis discards the transaction and unwatches with the connection. */
    void reset() {
        if (pin != null) {
            if (pin.purpose() != BackendConnection.Purpose.CLIENT) {
                pin.onBroken(null);
                pin.close();
            }
            pin = null;
            pinTainted = false;
        }
        multiUnsent = false;
        if (replay != null) {
            replay.end();
        }
        transaction.clear();
    }
}

package org.redisfailover.proxy.client;

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
import org.redisfailover.proxy.backend.NothingWritten;
import org.redisfailover.proxy.config.ProxyConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Blocking commands (BLPOP, XREAD BLOCK, WAIT, ...), each a {@link BlockingCall} on a master connection borrowed for it. */
public final class BlockingLane extends PinnedLane {

    private static final Logger log = LoggerFactory.getLogger(BlockingLane.class);

    /** WAIT counts the replicas that acknowledged the connection's last write; this write gives a borrowed connection one. */
    private static final String WAIT_OFFSET_CHANNEL = "__redis-failover__:wait-offset";

    private final List<BlockingCall> calls = new ArrayList<>();

    BlockingLane(Client client) {
        super(client);
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
        open(request, route, client.sequencer().forwardedSlot(false, route.mayWrite()));
    }

    @Override
    protected void open(RedisRequest request, Route route, ReplySlot slot) {
        NodeAddress master = client.loop().writableMaster();
        if (master == null) {
            holdForMaster(request, route, slot);
            return;
        }
        BlockingCall call = new BlockingCall(this, slot, request.args(), client.own().protocol(), route.mayWrite());
        calls.add(call);
        send(call, master, request);
    }

    private void send(BlockingCall call, NodeAddress master, RedisRequest request) {
        BackendConnection connection = client.loop().pool.dedicated(master, client.state().db(), BackendConnection.Purpose.BLOCKING,
                client.own().handshake().withTracking(null));
        call.sentOn(connection);
        if (call.name().equals("wait")) {
            // Every earlier request of the client has its reply, so this write's offset covers all of its writes.
            connection.send(RespWriter.request(client.channel().alloc(), "PUBLISH", WAIT_OFFSET_CHANNEL, ""), new IgnoredReply(),
                    client.backpressure());
        }
        ProxyConfig config = client.shared().config();
        NothingWritten proof = SafeWrites.blockingCall(config, call.mayWrite());
        if (proof != null) {
            // Safe mode: what a blocking pop or move took is acknowledged by replicas before the client hears of it.
            connection.sendWriteAndWait(request, call, proof, client.backpressure(), config.minReplicaAcks(),
                    config.replicaAckTimeout().toMillis());
        } else {
            connection.send(request, call, client.backpressure());
        }
    }

    /** The call has its reply: its connection goes back to the pool if nothing is left on it. */
    void done(BlockingCall call, boolean connectionReusable) {
        calls.remove(call);
        BackendConnection connection = call.connection();
        if (connection != null && connectionReusable) {
            client.loop().pool.giveBack(connection);
        }
    }

    /** The call was interrupted without being served: send it again to the master, with the time it has left. */
    void interrupted(BlockingCall call, String reason) {
        BackendConnection old = call.connection();
        if (old != null && !old.isClosed()) {
            old.close();
        }
        call.sentOn(null);
        log.debug("client {}: {} interrupted ({}); sending it again", client.channel().remoteAddress(), call.name(), reason);
        resume(call);
    }

    private void resume(BlockingCall call) {
        if (!client.replies().isOpen()) {
            return;
        }
        if (call.expired()) {
            calls.remove(call);
            call.slot().complete(call.timedOutReply());
            return;
        }
        NodeAddress master = client.loop().writableMaster();
        if (master == null) {
            if (call.interruptedForNanos() > client.shared().config().holdTimeout().toNanos()) {
                calls.remove(call);
                call.slot().complete(Replies.error("ERR redis-failover: no master available to resume "
                        + call.name().toUpperCase(Locale.ROOT) + " on"));
            } else {
                client.channel().eventLoop().schedule(() -> resume(call), 50, TimeUnit.MILLISECONDS);
            }
            return;
        }
        send(call, master, RespWriter.request(client.channel().alloc(), call.argsForNow()));
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

package org.redisfailover.proxy.client;

import io.netty.handler.codec.redis.RedisMessage;
import java.util.List;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.command.RoutingClass;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.resp.RespVersion;
import org.redisfailover.protocol.resp.RespWriter;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.proxy.backend.BackendConnection;
import org.redisfailover.proxy.backend.IgnoredReply;
import org.redisfailover.proxy.backend.NothingWritten;
import org.redisfailover.proxy.config.ReadPolicy;
import org.redisfailover.proxy.loop.HeldRequests;
import org.redisfailover.proxy.loop.LoopResources;
import org.redisfailover.proxy.loop.ProxyShared;
import org.redisfailover.proxy.loop.ReadRouter;
import org.redisfailover.proxy.loop.RoutingSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loop's shared connections: a request goes to the node its route and the read policy choose (the
 * SCAN affinity and read-your-writes narrow that choice), or the proxy answers it. With no master to write
 * to, a request that needs one is held; once one of this client's requests is held, its later ones are
 * held behind it too, so the client's commands are never reordered.
 */
public final class SharedLane implements Lane, HeldRequests.Owner<ReplySlot> {

    private static final Logger log = LoggerFactory.getLogger(SharedLane.class);

    private final Client client;
    private final ProxyShared shared;
    private final LoopResources loop;
    /** Routes compared by identity on the request path: the classifier hands out one instance per command. */
    private final Route scriptLoad;
    private final Route evalshaReadOnly;
    private final ScanAffinity scan = new ScanAffinity();
    /** This client's requests held for a master: later ones queue behind them. */
    private int heldCount;
    // The last connection used, and what it was chosen for: most requests reuse it.
    private NodeAddress lastTarget;
    private int lastDb;
    private RespVersion lastProtocol;
    private int lastGeneration;
    private BackendConnection lastConnection;
    /** Safe mode: this client's latest write on a write connection, until answered its reads follow it there. */
    private ReplySlot lastWrite;

    SharedLane(Client client) {
        this.client = client;
        this.shared = client.shared();
        this.loop = client.loop();
        this.scriptLoad = shared.classifier().classifyName("script|load");
        this.evalshaReadOnly = shared.classifier().classifyName("evalsha_ro");
    }

    @Override
    public boolean mayStart(RedisRequest request, Route route, boolean laneChanges, int outstanding) {
        return !laneChanges || outstanding == 0;
    }

    @Override
    public void run(RedisRequest request, Route route) {
        switch (route.routingClass()) {
            case READ, READ_CURSOR, MASTER -> forward(request, route);
            case LOCAL -> LocalCommands.execute(client, request);
            case GROUP -> GroupConfigCommand.run(client, request);
            case CLOSE -> {
                log.warn("Possible SECURITY ATTACK detected from {}: it looks like somebody is sending POST or Host: commands; "
                        + "connection closed", client.channel().remoteAddress());
                request.release();
                client.replies().closeNow();
            }
            default -> {
                RedisMessage refusal = Refusals.refuse(route, request);
                request.release();
                client.replies().replyLocal(refusal);
            }
        }
    }

    /** Sends {@code request} (ownership passes) to the node its route and the read policy choose. */
    void forward(RedisRequest request, Route route) {
        route(request, route, client.sequencer().forwardedSlot(route.routingClass().isRead(), route.mayWrite()), false);
    }

    /** Routes a request whose slot is already in the reply order, from one snapshot of the topology. */
    private void route(RedisRequest request, Route route, ReplySlot slot, boolean releasedFromHold) {
        ReadPolicy policy = shared.config().readPolicy();
        boolean waitInLine = heldCount > 0 && !releasedFromHold;
        // One read of the topology for the whole decision; the snapshot object is made only where a helper needs it.
        Topology topology = shared.topology().current();
        NodeAddress writableMaster = loop.writableMaster(topology);
        NodeAddress target = waitInLine ? null : target(request, route, policy, topology, writableMaster);
        if (target == ScanAffinity.ELSEWHERE) {
            request.release();
            slot.complete(Replies.error(scan.lostCursorError()));
            return;
        }
        if (target != null) {
            if (route == scriptLoad) {
                copyToReplicas(request, topology);
            } else if (route == evalshaReadOnly && !target.equals(writableMaster)) {
                List<byte[]> args = request.args();
                connectionFor(target).send(request, new ScriptFallback(this, slot, args), client.backpressure());
                return;
            }
            slot.resendVia(this, route);
            if (SafeWrites.on(shared.config()) && target.equals(writableMaster)) {
                sendAcknowledged(request, route, slot, target);
                return;
            }
            connectionFor(target).send(request, slot, client.backpressure());
        } else if (heldCount == 0 && !ReadRouter.needsMaster(route.routingClass(), policy)) {
            request.release();
            slot.complete(Replies.error(ReadRouter.noReplicaError()));
        } else if (loop.held.hold(this, request, route, slot)) {
            heldCount++;
        } else {
            request.release();
            slot.complete(Replies.error(HeldRequests.FULL));
        }
    }

    private NodeAddress target(RedisRequest request, Route route, ReadPolicy policy, Topology topology, NodeAddress writableMaster) {
        RoutingClass routingClass = route.routingClass();
        if (routingClass == RoutingClass.READ_CURSOR) {
            NodeAddress cursorNode = scan.nodeFor(request, new RoutingSnapshot(topology, writableMaster, loop.pool.health()));
            if (cursorNode != null) {
                return cursorNode;
            }
        }
        // A tracking client reads on its own master connection, where Redis tracks what it read.
        ReadPolicy effective = client.own().tracking() ? ReadPolicy.MASTER : policy;
        NodeAddress target = effective == ReadPolicy.READ_YOUR_WRITES && routingClass.isRead() && client.readYourWrites().applies()
                ? client.readYourWrites().target(new RoutingSnapshot(topology, writableMaster, loop.pool.health()), loop.router,
                        shared.offsets())
                : loop.router.target(routingClass, effective, topology, writableMaster, loop.pool.health());
        if (target != null && routingClass == RoutingClass.READ_CURSOR) {
            scan.runOn(target);
        }
        return target;
    }

    /**
     * SCRIPT LOAD reaches the replicas too, so that EVALSHA_RO sent to one finds the script (Redis 7 does
     * not replicate the script cache). Their answers are dropped: the client gets the master's.
     */
    private void copyToReplicas(RedisRequest request, Topology topology) {
        for (NodeAddress replica : topology.replicas()) {
            if (loop.pool.health().isHealthy(replica)) {
                loop.pool.connection(replica, client.state().db(), RespVersion.RESP2)
                        .send(RespWriter.request(client.channel().alloc(), request.args()), new IgnoredReply(), null);
            }
        }
    }

    /** A replica did not know the script of an EVALSHA_RO: the master runs it (or answers NOSCRIPT itself). */
    void retryScriptOnMaster(List<byte[]> args, ReplySlot slot) {
        NodeAddress master = loop.writableMaster();
        if (master == null || !client.replies().isOpen()) {
            slot.complete(Replies.error("NOSCRIPT No matching script. Please use EVAL."));
            return;
        }
        connectionFor(master).send(RespWriter.request(client.channel().alloc(), args), slot, client.backpressure());
    }

    /**
     * A request that waited for a shared connection which failed before sending it. Following ZooKeeper, a
     * failover or the node's return is coming: hold it like any request without a target (it was never sent,
     * so it may go anywhere later), rather than fail a write that a failover would have carried. With a fixed
     * master it is refused at once, as any request to an unreachable node. Returns whether it was taken.
     */
    boolean holdUnsent(RedisRequest request, Route route, ReplySlot slot) {
        if (!client.replies().isOpen() || !shared.topology().lease().followsZooKeeper()
                || !loop.held.hold(this, request, route, slot)) {
            return false;
        }
        heldCount++;
        return true;
    }

    @Override
    public void release(RedisRequest request, Route route, ReplySlot slot) {
        heldCount--;
        if (!client.replies().isOpen()) {
            request.release();
            return; // never sent: nothing to answer, nobody to answer
        }
        route(request, route, slot, true);
    }

    @Override
    public void fail(RedisRequest request, ReplySlot slot, String errorLine) {
        heldCount--;
        request.release();
        slot.complete(Replies.error(errorLine));
    }

    /**
     * Safe mode, to the master: a write's reply is held until replicas acknowledge it ({@link SafeWrites}). A
     * client on connections of its own writes on them (each is a write connection of its own). Otherwise a
     * write goes to the client's write connection; a read follows it there while the client's last write is
     * unanswered (so it cannot overtake it), and otherwise takes the read connection, waiting for nobody's
     * acknowledgements.
     */
    private void sendAcknowledged(RedisRequest request, Route route, ReplySlot slot, NodeAddress master) {
        NothingWritten proof = SafeWrites.command(shared.config(), route);
        if (client.own().inUse()) {
            BackendConnection own = connectionFor(master);
            if (proof != null) {
                own.sendWrite(request, slot, proof, client.backpressure());
            } else {
                own.send(request, slot, client.backpressure());
            }
            return;
        }
        boolean behindOwnWrite = lastWrite != null && !lastWrite.done();
        if (proof == null && !behindOwnWrite) {
            connectionFor(master).send(request, slot, client.backpressure());
            return;
        }
        BackendConnection writes = loop.pool.writeConnection(master, client.state().db(), client.own().protocol(),
                (int) client.state().id());
        if (proof != null) {
            lastWrite = slot;
            writes.sendWrite(request, slot, proof, client.backpressure());
        } else {
            writes.send(request, slot, client.backpressure());
        }
    }

    /** The connection for (target, db) in the client's protocol: its own one when it has its own, else the pool's. */
    BackendConnection connectionFor(NodeAddress target) {
        OwnConnections own = client.own();
        int db = client.state().db();
        if (own.inUse()) {
            return own.get(loop.pool, target, db, shared.config().databases());
        }
        int generation = loop.pool.generation();
        if (target != lastTarget || db != lastDb || own.protocol() != lastProtocol || generation != lastGeneration) {
            lastConnection = loop.pool.connection(target, db, own.protocol());
            lastTarget = target;
            lastDb = db;
            lastProtocol = own.protocol();
            lastGeneration = generation;
        }
        return lastConnection;
    }
}

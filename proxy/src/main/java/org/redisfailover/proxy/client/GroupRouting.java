package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.command.RoutingClass;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.resp.RespWriter;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.proxy.backend.BackendConnection;
import org.redisfailover.proxy.backend.IgnoredReply;
import org.redisfailover.proxy.backend.NothingWritten;
import org.redisfailover.proxy.config.ReadPolicy;
import org.redisfailover.proxy.errors.ProxyErrors;
import org.redisfailover.proxy.loop.HeldRequests;
import org.redisfailover.proxy.loop.LoopResources;
import org.redisfailover.proxy.loop.ProxyShared;
import org.redisfailover.proxy.loop.ReadRouter;
import org.redisfailover.proxy.loop.RoutingSnapshot;

/**
 * {@link Routing} for one replication group: writes go to the master, reads where the read policy sends them
 * (the SCAN affinity and read-your-writes narrow that choice; a tracking client reads on the master). With no
 * master to write to, a request that needs one is held; once one of this client's requests is held, its later
 * ones are held behind it too, so the client's commands are never reordered. In safe mode a write to the master
 * is answered only once replicas acknowledge it ({@link SafeWrites}).
 */
final class GroupRouting implements Routing, HeldRequests.Owner<ReplySlot> {

    private final ProxyShared shared;
    private final LoopResources loop;
    private final ClientConnections connections;
    private final OwnConnections own;
    private final ReadYourWrites readYourWrites;
    private final ReplyOrderer replies;
    private final ByteBufAllocator alloc;
    /** Routes compared by identity on the request path: the classifier hands out one instance per command. */
    private final Route scriptLoad;

    private final Route evalshaReadOnly;
    /** The one command routed here that Redis runs while a script keeps it busy. */
    private final Route functionStats;

    private final ScanAffinity scan = new ScanAffinity();
    /** This client's requests held for a master: later ones queue behind them. */
    private int heldCount;
    /** Safe mode: this client's latest write on a write connection, until answered its reads follow it there. */
    private ReplySlot lastWrite;
    /** This client's latest request on a script connection, and its node: until answered, the next ones follow it. */
    private ReplySlot lastOnScripts;

    private NodeAddress scriptsNode;

    GroupRouting(
            ProxyShared shared,
            LoopResources loop,
            ClientConnections connections,
            OwnConnections own,
            ReadYourWrites readYourWrites,
            ReplyOrderer replies,
            ByteBufAllocator alloc) {
        this.shared = shared;
        this.loop = loop;
        this.connections = connections;
        this.own = own;
        this.readYourWrites = readYourWrites;
        this.replies = replies;
        this.alloc = alloc;
        this.scriptLoad = shared.classifier().classifyName("script|load");
        this.evalshaReadOnly = shared.classifier().classifyName("evalsha_ro");
        this.functionStats = shared.classifier().classifyName("function|stats");
    }

    @Override
    public void send(RedisRequest request, Route route, ReplySlot slot) {
        route(request, route, slot, false);
    }

    @Override
    public NodeAddress pinnedNode(RedisRequest request) {
        return loop.writableMaster();
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
        String busyLine = target == null || followsOwnScript(target)
                ? null
                : loop.pool.busy().busyLine(target);
        if (busyLine != null && route != functionStats) {
            // A script keeps the node busy: Redis' own answer, rather than a place in line behind the script (its own
            // client's requests do queue behind it, as on a direct connection).
            request.release();
            slot.complete(Replies.error(busyLine));
            return;
        }
        if (target != null) {
            if (route == scriptLoad) {
                copyToReplicas(request, topology);
            } else if (route == evalshaReadOnly && !target.equals(writableMaster)) {
                List<byte[]> args = request.args();
                connections.send(connections.to(target), request, new ScriptFallback(this, slot, args));
                return;
            }
            slot.resendVia(this, route);
            if (SafeWrites.on(shared.config()) && target.equals(writableMaster)) {
                sendAcknowledged(request, route, slot, target);
                return;
            }
            connections.send(connectionFor(target, request, slot), request, slot);
        } else if (heldCount == 0 && !ReadRouter.needsMaster(route.routingClass(), policy)) {
            request.release();
            slot.complete(Replies.error(ProxyErrors.NO_HEALTHY_REPLICA));
        } else if (loop.held.hold(this, request, route, slot)) {
            heldCount++;
        } else {
            request.release();
            slot.complete(Replies.error(ProxyErrors.HOLD_QUEUE_FULL));
        }
    }

    /**
     * Scripts and functions take a shared connection of their own, so that a script that runs long keeps no other
     * client's requests waiting behind it on the loop's connection (Redis runs one connection's requests in order,
     * and reads nothing else of it while a script runs). A client's order is kept: a script moves over only when the
     * client has nothing else unanswered, and the client's next requests to that node follow it there until the
     * last of them is answered. A client on connections of its own keeps to them.
     */
    private BackendConnection connectionFor(NodeAddress target, RedisRequest request, ReplySlot slot) {
        if (followsOwnScript(target) || (isScriptCall(request) && replies.size() == 1 && !own.inUse())) {
            lastOnScripts = slot;
            scriptsNode = target;
            return connections.forScripts(target);
        }
        return connections.to(target);
    }

    /** Whether the client has requests unanswered on {@code target}'s script connection: its next ones go behind them. */
    private boolean followsOwnScript(NodeAddress target) {
        return lastOnScripts != null && !lastOnScripts.done() && target.equals(scriptsNode);
    }

    /** EVAL, EVALSHA, FCALL and their _RO forms, told by the name's bytes: no String made per request. */
    private static boolean isScriptCall(RedisRequest request) {
        return switch (request.argLength(0)) {
            case 4 -> request.argEqualsIgnoreCase(0, "eval");
            case 5 -> request.argEqualsIgnoreCase(0, "fcall");
            case 7 -> request.argEqualsIgnoreCase(0, "evalsha") || request.argEqualsIgnoreCase(0, "eval_ro");
            case 8 -> request.argEqualsIgnoreCase(0, "fcall_ro");
            case 10 -> request.argEqualsIgnoreCase(0, "evalsha_ro");
            default -> false;
        };
    }

    private NodeAddress target(
            RedisRequest request, Route route, ReadPolicy policy, Topology topology, NodeAddress writableMaster) {
        RoutingClass routingClass = route.routingClass();
        if (routingClass == RoutingClass.READ_CURSOR) {
            NodeAddress cursorNode =
                    scan.nodeFor(request, new RoutingSnapshot(topology, writableMaster, loop.pool.health()));
            if (cursorNode != null) {
                return cursorNode;
            }
        }
        // A tracking client reads on its own master connection, where Redis tracks what it read.
        ReadPolicy effective = own.tracking() ? ReadPolicy.MASTER : policy;
        NodeAddress target =
                effective == ReadPolicy.READ_YOUR_WRITES && routingClass.isRead() && readYourWrites.applies()
                        ? readYourWrites.target(
                                new RoutingSnapshot(topology, writableMaster, loop.pool.health()),
                                loop.router,
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
                connections.forCopy(replica).send(RespWriter.request(alloc, request.args()), new IgnoredReply(), null);
            }
        }
    }

    /** A replica did not know the script of an EVALSHA_RO: the master runs it (or answers NOSCRIPT itself). */
    void retryScriptOnMaster(List<byte[]> args, ReplySlot slot) {
        NodeAddress master = loop.writableMaster();
        if (master == null || !replies.isOpen()) {
            slot.complete(Replies.error("NOSCRIPT No matching script. Please use EVAL."));
            return;
        }
        connections.send(connections.to(master), RespWriter.request(alloc, args), slot);
    }

    /**
     * Following ZooKeeper, a failover or the node's return is coming: hold the request like any without a target
     * (it was never sent, so it may go anywhere later), rather than fail a write that a failover would have
     * carried. With a fixed master it is refused at once, as any request to an unreachable node.
     */
    @Override
    public boolean holdUnsent(RedisRequest request, Route route, ReplySlot slot) {
        if (!replies.isOpen()
                || !shared.topology().lease().followsZooKeeper()
                || !loop.held.hold(this, request, route, slot)) {
            return false;
        }
        heldCount++;
        return true;
    }

    @Override
    public void release(RedisRequest request, Route route, ReplySlot slot) {
        heldCount--;
        if (!replies.isOpen()) {
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
        if (own.inUse()) {
            BackendConnection ownConnection = connections.to(master);
            if (proof != null) {
                connections.sendWrite(ownConnection, request, slot, proof);
            } else {
                connections.send(ownConnection, request, slot);
            }
            return;
        }
        boolean behindOwnWrite = lastWrite != null && !lastWrite.done();
        if (proof == null && !behindOwnWrite) {
            connections.send(connections.to(master), request, slot);
            return;
        }
        BackendConnection writes = connections.writeConnection(master);
        if (proof != null) {
            lastWrite = slot;
            connections.sendWrite(writes, request, slot, proof);
        } else {
            connections.send(writes, request, slot);
        }
    }
}

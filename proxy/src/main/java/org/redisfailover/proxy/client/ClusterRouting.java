package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.redisfailover.protocol.cluster.HashSlots;
import org.redisfailover.protocol.cluster.SlotMap;
import org.redisfailover.protocol.command.ClusterCommand;
import org.redisfailover.protocol.command.ClusterCommands;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.resp.RespWriter;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.PendingReply;
import org.redisfailover.proxy.errors.ProxyErrors;
import org.redisfailover.proxy.loop.HeldRequests;
import org.redisfailover.proxy.loop.LoopResources;
import org.redisfailover.proxy.loop.ProxyShared;
import org.redisfailover.proxy.topology.ClusterView;

/**
 * {@link Routing} in front of a Redis Cluster: a request goes to the master of the slot its keys hash to (the
 * keys found from the nodes' own key specifications), a keyless one to any master, or to every shard when its
 * request policy says so ({@link FanOut}); keys in several slots are split where that keeps the command's
 * meaning ({@link SlotSplit}) and get Redis' own CROSSSLOT error otherwise. The cluster's answers that are
 * about routing never reach the client ({@link Redirected}): MOVED updates the slot map and sends again, ASK
 * sends once more with ASKING, TRYAGAIN and CLUSTERDOWN are retried with backoff within the hold timeout. A
 * slot with no master (its shard failing over) holds the request, as a group holds writes with no master, and
 * the client's later requests behind it.
 */
final class ClusterRouting implements Routing, HeldRequests.Owner<ReplySlot> {

    /** Redis' own error for keys in more than one slot. */
    static final String CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";
    /**
     * Keyless commands about channel subscriptions, sent to the master where every client's channels and patterns
     * live (the first reachable one, as {@link #pinnedNode} picks for subscriptions): PUBLISH then counts the
     * receivers subscribed through the proxy, as it counts a lone server's, rather than one node's in turn.
     */
    private static final java.util.Set<String> PUBSUB_HOME =
            java.util.Set.of("publish", "pubsub|channels", "pubsub|numsub", "pubsub|numpat");

    /** Redirections one request may take (a slot migrating back and forth takes several). */
    static final int MAX_REDIRECTS = 8;

    private static final long FIRST_RETRY_MILLIS = 2;
    private static final long LAST_RETRY_MILLIS = 200;

    private final ProxyShared shared;
    private final LoopResources loop;
    private final ClientConnections connections;
    private final ReplyOrderer replies;
    private final ByteBufAllocator alloc;
    private final EventLoop eventLoop;
    private final ClusterView view;
    private final ShardWrites writes;
    private final ShardReads reads;
    private final OwnConnections own;
    /** This client's requests held for a slot's master: later ones queue behind them. */
    private int heldCount;
    /** Keyless requests go to the masters in turn. */
    private int nextKeyless;

    ClusterRouting(
            ProxyShared shared,
            LoopResources loop,
            ClientConnections connections,
            OwnConnections own,
            ReplyOrderer replies,
            ByteBufAllocator alloc,
            EventLoop eventLoop) {
        this.shared = shared;
        this.loop = loop;
        this.connections = connections;
        this.replies = replies;
        this.alloc = alloc;
        this.eventLoop = eventLoop;
        this.view = shared.cluster();
        this.writes = new ShardWrites(shared, connections, own);
        this.reads = new ShardReads(loop.pool.health());
        this.own = own;
    }

    @Override
    public void send(RedisRequest request, Route route, ReplySlot slot) {
        route(request, route, slot, false);
    }

    private void route(RedisRequest request, Route route, ReplySlot slot, boolean releasedFromHold) {
        ClusterCommands commands = view.commands();
        SlotMap map = view.map();
        if ((heldCount > 0 && !releasedFromHold) || commands == null || map == null) {
            hold(request, route, slot);
            return;
        }
        ClusterCommand command = commands.find(request);
        if (command == null) {
            view.unknownCommand(); // sent to any master meanwhile: a node that serves its keys elsewhere says MOVED
        }
        int keySlot = command == null ? ClusterCommand.NO_KEYS : command.slot(request);
        if (keySlot == ClusterCommand.CROSS_SLOT) {
            if (SlotSplit.splits(command, shared.config().cluster().splitMset())) {
                new SlotSplit(this, command, slot, alloc).run(request, route);
            } else {
                request.release();
                slot.complete(Replies.error(CROSSSLOT));
            }
            return;
        }
        if (keySlot == ClusterCommand.NO_KEYS) {
            if (command != null && command.name().equals("script|load") && request.argc() == 3) {
                view.scripts().remember(request.arg(2));
            }
            if (command != null && command.name().equals("scan")) {
                ClusterScan.run(this, request, route, slot, map, alloc);
                return;
            }
            if (command != null && FanOut.fansOut(command)) {
                new FanOut(command, slot, this).run(request, route, map);
                return;
            }
            List<NodeAddress> masters = map.masters();
            if (masters.isEmpty()) {
                hold(request, route, slot);
                return;
            }
            NodeAddress home = command != null && PUBSUB_HOME.contains(command.name()) ? pinnedNode(null) : null;
            forward(
                    request,
                    route,
                    slot,
                    slot,
                    home != null ? home : masters.get(Math.floorMod(nextKeyless++, masters.size())),
                    0,
                    null);
            return;
        }
        NodeAddress owner = map.master(keySlot);
        if (owner == null) {
            view.uncovered();
            hold(request, route, slot);
            return;
        }
        NodeAddress target = reads.target(owner, route, shared.config().readPolicy(), own.tracking(), map);
        if (target == null) { // read policy replica, and no replica of the shard to read from
            request.release();
            slot.complete(Replies.error(ProxyErrors.NO_HEALTHY_REPLICA));
            return;
        }
        forward(request, route, slot, slot, target, 0, null);
    }

    /**
     * Routes one part of a split request (ownership passes), whose reply goes to {@code answer}; the client's
     * {@code slot} times its waits. With no master for its slot it is tried again after a backoff, within the
     * hold timeout, and then answered with the reason.
     */
    void routePart(RedisRequest part, Route route, ReplySlot slot, PendingReply answer, int hops) {
        ClusterCommands commands = view.commands();
        SlotMap map = view.map();
        ClusterCommand command = commands.find(part);
        int keySlot = command == null ? ClusterCommand.NO_KEYS : command.slot(part);
        NodeAddress owner = keySlot >= 0 ? map.master(keySlot) : null;
        if (owner != null) {
            NodeAddress target = reads.target(owner, route, shared.config().readPolicy(), own.tracking(), map);
            if (target == null) {
                part.release();
                answer.refused(ProxyErrors.NO_HEALTHY_REPLICA);
            } else {
                forward(part, route, slot, answer, target, hops, null);
            }
            return;
        }
        view.uncovered();
        if (!retryLater(part, route, slot, answer, hops)) {
            part.release();
            answer.refused(
                    ProxyErrors.noMaster("no master serves slot " + keySlot + " of the cluster", waitedMillis(slot)));
        }
    }

    /**
     * Sends {@code request} (ownership passes) to {@code node}, preceded on the same connection by {@code before}
     * when not null (ASKING after an ASK, SCRIPT LOAD after a NOSCRIPT); its
     * reply goes to {@code answer} (the client's {@code slot}, or a part of a split request) unless it is a
     * redirection, which {@link Redirected} follows. {@code hops}: the redirections followed so far.
     */
    void forward(
            RedisRequest request,
            Route route,
            ReplySlot slot,
            PendingReply answer,
            NodeAddress node,
            int hops,
            RedisRequest before) {
        request.retain(); // kept until the reply, to send again if the cluster redirects it
        writes.send(node, request, new Redirected(this, request, route, slot, answer, node, hops), route, slot, before);
    }

    /**
     * A request the cluster refused before running it (TRYAGAIN, CLUSTERDOWN), or a part with no master to go to:
     * routed anew after a backoff. False, with nothing taken, once the client's slot has waited the hold timeout.
     */
    boolean retryLater(RedisRequest request, Route route, ReplySlot slot, PendingReply answer, int hops) {
        slot.heldNow(System.nanoTime());
        if (waitedMillis(slot) >= shared.config().holdTimeout().toMillis() || !replies.isOpen()) {
            return false;
        }
        // As long again as it has waited: 2 ms, then doubling, up to 200 ms.
        long delay = Math.min(LAST_RETRY_MILLIS, Math.max(FIRST_RETRY_MILLIS, waitedMillis(slot)));
        // The client's later requests are not held behind it: a cluster client retrying TRYAGAIN does not wait
        // either, and the replies keep their order whatever order the nodes run the requests in.
        eventLoop.schedule(
                () -> {
                    if (!replies.isOpen()) {
                        request.release();
                    } else if (answer == slot) {
                        route(request, route, slot, true);
                    } else {
                        routePart(request, route, slot, answer, hops);
                    }
                },
                delay,
                TimeUnit.MILLISECONDS);
        return true;
    }

    private static long waitedMillis(ReplySlot slot) {
        return slot.heldSinceNanos() == 0
                ? 0
                : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - slot.heldSinceNanos());
    }

    /**
     * Runs {@code retry} with the slot map of the moment after a pause, as long as the client's {@code slot} has
     * waited less than the hold timeout (a read that changes nothing, lost with its node); false, with nothing
     * scheduled, once it has. The map is read again meanwhile: the node's shard may be failing over.
     */
    boolean again(ReplySlot slot, java.util.function.Consumer<SlotMap> retry) {
        slot.heldNow(System.nanoTime());
        if (waitedMillis(slot) >= shared.config().holdTimeout().toMillis() || !replies.isOpen()) {
            return false;
        }
        view.nodeFailed();
        eventLoop.schedule(
                () -> {
                    if (replies.isOpen()) {
                        retry.accept(view.map());
                    }
                },
                LAST_RETRY_MILLIS / 4,
                TimeUnit.MILLISECONDS);
        return true;
    }

    /** Sends {@code request} (ownership passes), named by its slot rather than a key, to that slot's master. */
    void sendForSlot(RedisRequest request, Route route, ReplySlot slot, int keySlot) {
        SlotMap map = view.map();
        NodeAddress owner = map == null ? null : map.master(keySlot);
        if (owner == null) {
            request.release();
            slot.complete(
                    Replies.error(ProxyErrors.noMaster("no master serves slot " + keySlot + " of the cluster", 0)));
            return;
        }
        forward(request, route, slot, slot, owner, 0, null);
    }

    /** Whether every slot has a master now. */
    boolean coversEverySlot() {
        SlotMap map = view.map();
        return map != null && map.covered() == HashSlots.COUNT;
    }

    /** Sends {@code request} (ownership passes) to {@code node} as it is, its reply to {@code answer}: a fan-out's part. */
    void sendTo(NodeAddress node, RedisRequest request, PendingReply answer, Route route, ReplySlot slot) {
        writes.send(node, request, answer, route, slot, null);
    }

    /**
     * A node answered NOSCRIPT to an EVALSHA of a script a client loaded through the proxy (the node was promoted
     * or joined since): the script is loaded there and the call sent again, on the same connection, so that the
     * client never hears of it. False, with nothing taken, when the proxy does not know the script.
     */
    boolean reloadScript(
            RedisRequest request, Route route, ReplySlot slot, PendingReply answer, NodeAddress node, int hops) {
        boolean evalsha = request.argc() >= 2
                && (request.argEqualsIgnoreCase(0, "evalsha") || request.argEqualsIgnoreCase(0, "evalsha_ro"));
        byte[] script = evalsha && hops < MAX_REDIRECTS ? view.scripts().find(request.argAsString(1)) : null;
        if (script == null || !replies.isOpen()) {
            return false;
        }
        RedisRequest load = RespWriter.request(
                alloc,
                List.of(
                        "SCRIPT".getBytes(StandardCharsets.US_ASCII),
                        "LOAD".getBytes(StandardCharsets.US_ASCII),
                        script));
        forward(request, route, slot, answer, node, hops + 1, load);
        return true;
    }

    /** An ASKING, to send just before a request an ASK redirected. */
    RedisRequest asking() {
        return RespWriter.request(alloc, "ASKING");
    }

    /** Counts a redirection followed ({@code kind}: MOVED, ASK, TRYAGAIN, CLUSTERDOWN). */
    void countRedirect(String kind) {
        shared.clusterMetrics().redirect(kind).mark();
    }

    /** Follows a MOVED: the slot map learns the new owner at once, and a refresh is asked for. */
    void moved(int keySlot, NodeAddress owner) {
        view.moved(keySlot, owner);
    }

    /** A connection to a node failed: the map is read again (its shard may be failing over). */
    void nodeFailed() {
        view.nodeFailed();
    }

    private void hold(RedisRequest request, Route route, ReplySlot slot) {
        if (loop.held.hold(this, request, route, slot)) {
            heldCount++;
        } else {
            request.release();
            slot.complete(Replies.error(ProxyErrors.HOLD_QUEUE_FULL));
        }
    }

    /** The node of a connection of the client's own: the master of the request's slot (any master without keys). */
    @Override
    public NodeAddress pinnedNode(RedisRequest request) {
        SlotMap map = view.map();
        if (view.commands() == null || map == null) {
            return null;
        }
        int keySlot = request == null ? ClusterCommand.NO_KEYS : keySlot(request);
        if (keySlot >= 0) {
            return reachableMaster(map, keySlot);
        }
        for (NodeAddress master : map.masters()) {
            if (loop.pool.health().isHealthy(master)) {
                return master;
            }
        }
        return null;
    }

    /**
     * The master of {@code keySlot} a connection of the client's own may open on; null while the slot has none, or
     * while this loop cannot reach it. Its shard may be failing over, so the request waits for the map to name
     * another master (or for this one to answer again), as a write waits in front of a group, rather than failing
     * at once.
     */
    private NodeAddress reachableMaster(SlotMap map, int keySlot) {
        NodeAddress owner = map.master(keySlot);
        if (owner == null) {
            view.uncovered();
            return null;
        }
        if (loop.pool.health().isHealthy(owner)) {
            return owner;
        }
        view.nodeFailed();
        return null;
    }

    /** Every node of the cluster's map now, replicas too (none before the first map). */
    List<NodeAddress> nodes() {
        SlotMap map = view.map();
        return map == null ? List.of() : map.nodes();
    }

    @Override
    public List<NodeAddress> masters() {
        SlotMap map = view.map();
        return map == null ? List.of() : map.masters();
    }

    @Override
    public NodeAddress shardChannelOwner(byte[] channel) {
        SlotMap map = view.map();
        if (map == null) {
            view.uncovered();
            return null;
        }
        return reachableMaster(map, HashSlots.of(channel));
    }

    @Override
    public void watchMap(Runnable listener, boolean on) {
        loop.watchCluster(listener, on);
    }

    @Override
    public int keySlot(RedisRequest request) {
        ClusterCommands commands = view.commands();
        ClusterCommand command = commands == null ? null : commands.find(request);
        int keySlot = command == null ? ClusterCommand.NO_KEYS : command.slot(request);
        return Math.max(keySlot, -1);
    }

    @Override
    public boolean pinsByKey() {
        return true;
    }

    @Override
    public PendingReply onOwnConnection(ReplySlot slot, NodeAddress node) {
        return new OwnConnectionRedirects(this, slot, node, redirect -> false);
    }

    @Override
    public PendingReply onOwnConnection(ReplySlot slot, NodeAddress node, java.util.function.Predicate<String> absorb) {
        return new OwnConnectionRedirects(this, slot, node, absorb);
    }

    @Override
    public void redirected(String errorLine) {
        String[] parts = errorLine.split(" ");
        countRedirect(parts[0]);
        if (parts.length == 3 && parts[0].equals("MOVED")) {
            try {
                view.moved(Integer.parseInt(parts[1]), NodeAddress.parse(parts[2]));
            } catch (IllegalArgumentException e) {
                view.requestRefresh();
            }
        }
    }

    /** Who serves {@code keySlot} in the slot map now, or null. */
    NodeAddress ownerOf(int keySlot) {
        SlotMap map = view.map();
        return map == null ? null : map.master(keySlot);
    }

    /** Never sent (its connection failed first): held until the map changes or the node is back. */
    @Override
    public boolean holdUnsent(RedisRequest request, Route route, ReplySlot slot) {
        if (!replies.isOpen()) {
            return false;
        }
        view.nodeFailed();
        hold(request, route, slot);
        return true;
    }

    @Override
    public void release(RedisRequest request, Route route, ReplySlot slot) {
        heldCount--;
        if (!replies.isOpen()) {
            request.release();
            return;
        }
        route(request, route, slot, true);
    }

    @Override
    public void fail(RedisRequest request, ReplySlot slot, String errorLine) {
        heldCount--;
        request.release();
        slot.complete(Replies.error(errorLine));
    }

    /** Whether the client is still there to answer (a request split or fanned out checks before sending on). */
    boolean open() {
        return replies.isOpen();
    }
}

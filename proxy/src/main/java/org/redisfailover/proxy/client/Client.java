package org.redisfailover.proxy.client;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import org.redisfailover.proxy.loop.ClientDirectory;
import org.redisfailover.proxy.loop.LoopResources;
import org.redisfailover.proxy.loop.ProxyShared;

/**
 * Wires the parts of one client connection when it is accepted, each given the few collaborators it uses.
 * All of them are confined to the connection's event loop. The {@link RequestSequencer} runs the lanes and
 * the lanes reach it only as their {@link LaneContext}, so it is made first and given its lanes after them.
 */
public final class Client {

    private Client() {}

    /** The handler of a connection just accepted on {@code loop}. */
    public static ClientSession session(Channel channel, ProxyShared shared, LoopResources loop) {
        EventLoop eventLoop = channel.eventLoop();
        ClientState state = new ClientState(channel.remoteAddress(), channel.localAddress());
        Backpressure backpressure = new Backpressure(channel);
        ReplyOrderer replies =
                new ReplyOrderer(channel, loop.batcher, loop.requestCounts, loop.awaitingLease, shared, backpressure);
        OwnConnections own = new OwnConnections(replies);
        ReadYourWrites readYourWrites = new ReadYourWrites();
        RequestSequencer sequencer =
                new RequestSequencer(replies, shared, state, own, readYourWrites, backpressure, loop.requestCounts);
        ClientConnections connections = new ClientConnections(shared, loop, state, own, backpressure);
        ClusterRouting cluster = shared.cluster() == null
                ? null
                : new ClusterRouting(shared, loop, connections, own, replies, channel.alloc(), eventLoop);
        Routing routing = cluster != null
                ? cluster
                : new GroupRouting(shared, loop, connections, own, readYourWrites, replies, channel.alloc());

        TransactionLane transactions =
                new TransactionLane(sequencer, routing, replies, loop.held, connections, own, shared, state, eventLoop);
        SubscriptionLane subscriptions =
                new SubscriptionLane(sequencer, routing, replies, loop.held, connections, own, state, eventLoop);
        BlockingLane blocking =
                new BlockingLane(sequencer, routing, replies, loop.held, connections, own, shared, state, eventLoop);
        ClientModes modes = new ClientModes(transactions, subscriptions, blocking, own);
        AuthGate gate = new AuthGate(shared, replies, sequencer, channel);
        HandshakeLane handshake =
                new HandshakeLane(sequencer, routing, connections, own, gate, modes, shared, state, replies, eventLoop);
        GroupNodes groupNodes = new GroupNodes(shared, loop, connections);
        SharedLane sharedLane = new SharedLane(
                sequencer,
                routing,
                new LocalCommands(
                        state,
                        own,
                        modes,
                        replies,
                        shared,
                        sequencer,
                        new ClientListCommand(groupNodes, shared, own, sequencer, replies, eventLoop)),
                cluster != null
                        ? new GroupCommands(
                                new ScriptKill(shared, loop, own, replies, sequencer, cluster::nodes),
                                (request, route) -> cluster.send(request, route, sequencer.forwardedSlot(route, false)))
                        : new GroupCommands(
                                new GroupConfigCommand(groupNodes, shared, replies, sequencer, eventLoop),
                                new GroupAclCommand(groupNodes, shared, replies, sequencer, eventLoop),
                                new ScriptKill(
                                        shared, loop, own, replies, sequencer, () -> ScriptKill.groupNodes(shared))),
                cluster == null
                        ? null
                        : new ClusterFacade(
                                sequencer,
                                cluster,
                                replies,
                                state,
                                own,
                                shared.config().listen(),
                                shared.config().cluster().announce()),
                replies,
                state);

        ClientDrain drain = new ClientDrain(backpressure, replies, sequencer, modes, channel);
        sequencer.runOn(
                new RequestSequencer.Lanes(gate, sharedLane, handshake, transactions, subscriptions, blocking),
                drain::replied);
        replies.answers(sequencer);
        shared.clients()
                .add(new ClientDirectory.Entry(
                        state.id(), eventLoop, () -> ClientInfo.describe(state, own, modes, replies.size())));
        own.whenBroken(transactions::ownConnectionBroken);
        return new ClientSession(sequencer, replies, backpressure, drain, modes, shared, state);
    }
}

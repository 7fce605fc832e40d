package org.redisfailover.proxy.client;

import io.netty.channel.Channel;
import org.redisfailover.proxy.loop.LoopResources;
import org.redisfailover.proxy.loop.ProxyShared;

/**
 * The parts of one client connection, wired once when it is accepted. Each part has one job and reaches
 * the others through here; all of them are confined to the connection's event loop.
 */
public final class Client {

    private final Channel channel;
    private final ProxyShared shared;
    private final LoopResources loop;
    private final ClientState state = new ClientState();
    private final Backpressure backpressure;
    private final ReplyOrderer replies;
    private final OwnConnections own;
    private final ReadYourWrites readYourWrites = new ReadYourWrites();
    private final SharedLane sharedLane;
    private final TransactionLane transactions;
    private final SubscriptionLane subscriptions;
    private final BlockingLane blocking;
    private final HandshakeLane handshake;
    private final AuthGate gate;
    private final RequestSequencer sequencer;
    private final ClientDrain drain = new ClientDrain(this);

    Client(Channel channel, ProxyShared shared, LoopResources loop) {
        this.channel = channel;
        this.shared = shared;
        this.loop = loop;
        this.backpressure = new Backpressure(channel);
        this.replies = new ReplyOrderer(channel, loop.batcher, loop.requestCounts, loop.awaitingLease, shared, state, backpressure);
        this.own = new OwnConnections(replies);
        this.sharedLane = new SharedLane(this);
        this.transactions = new TransactionLane(this);
        this.subscriptions = new SubscriptionLane(this);
        this.blocking = new BlockingLane(this);
        this.handshake = new HandshakeLane(this);
        this.gate = new AuthGate(this);
        this.sequencer = new RequestSequencer(this);
        replies.answers(sequencer);
        own.whenBroken(transactions::ownConnectionBroken);
    }

    Channel channel() {
        return channel;
    }

    ProxyShared shared() {
        return shared;
    }

    LoopResources loop() {
        return loop;
    }

    ClientState state() {
        return state;
    }

    Backpressure backpressure() {
        return backpressure;
    }

    ReplyOrderer replies() {
        return replies;
    }

    /** The client's Redis user, protocol and tracking, and its own connections when a shared one cannot serve it. */
    OwnConnections own() {
        return own;
    }

    ReadYourWrites readYourWrites() {
        return readYourWrites;
    }

    RequestSequencer sequencer() {
        return sequencer;
    }

    SharedLane sharedLane() {
        return sharedLane;
    }

    TransactionLane transactions() {
        return transactions;
    }

    SubscriptionLane subscriptions() {
        return subscriptions;
    }

    BlockingLane blocking() {
        return blocking;
    }

    HandshakeLane handshake() {
        return handshake;
    }

    /** Its part in a graceful stop of the proxy. */
    ClientDrain drain() {
        return drain;
    }

    /** The proxy's own password check. */
    AuthGate gate() {
        return gate;
    }

    /**
     * RESET, and a client that is gone: Redis discards the transaction, unwatches, unsubscribes and logs the
     * connection back in as the default user, in RESP2, tracking off. The connections carrying that state close.
     */
    void resetConnectionState() {
        own.reset();
        transactions.reset();
        subscriptions.reset();
    }
}

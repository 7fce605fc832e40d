package org.redisfailover.proxy.client;

import org.redisfailover.protocol.resp.RespVersion;
import org.redisfailover.proxy.errors.ProxyErrors;

/**
 * The modes Redis keeps per connection that span requests, as the client's local commands, CLIENT INFO and a
 * graceful stop see them: a transaction, subscriptions, blocking calls, and the client's own connections
 * (its user, protocol and tracking). RESET and the client's departure end them all, as Redis does.
 * Confined to the client's event loop.
 */
final class ClientModes {

    private final TransactionLane transactions;
    private final SubscriptionLane subscriptions;
    private final BlockingLane blocking;
    private final OwnConnections own;

    ClientModes(
            TransactionLane transactions, SubscriptionLane subscriptions, BlockingLane blocking, OwnConnections own) {
        this.transactions = transactions;
        this.subscriptions = subscriptions;
        this.blocking = blocking;
        this.own = own;
    }

    /** In a transaction: after WATCH or MULTI, until EXEC, DISCARD or UNWATCH ends it. */
    boolean inTransaction() {
        return transactions.engaged();
    }

    boolean inMulti() {
        return transactions.inMulti();
    }

    boolean subscribed() {
        return subscriptions.subscribed();
    }

    /** Subscriptions by family, for CLIENT INFO: channels, patterns, shard channels. */
    int[] subscriptionCounts() {
        return subscriptions.countsByFamily();
    }

    boolean blocked() {
        return blocking.blocked();
    }

    /** Why HELLO may not switch the client to {@code protocol} now (it cannot move a transaction, subscriptions or tracking along), or null. */
    String protocolSwitchRefusal(RespVersion protocol) {
        if (protocol == own.protocol()) {
            return null;
        }
        if (transactions.engaged()) {
            return ProxyErrors.HELLO_SWITCH_IN_TRANSACTION;
        }
        if (subscriptions.subscribed()) {
            return ProxyErrors.HELLO_SWITCH_SUBSCRIBED;
        }
        if (own.tracking()) {
            return ProxyErrors.HELLO_SWITCH_TRACKING;
        }
        return null;
    }

    /**
     * RESET: Redis discards the transaction, unwatches, unsubscribes and logs the connection back in as the
     * default user, in RESP2, tracking off. The connections carrying that state close.
     */
    void reset() {
        own.reset();
        transactions.reset();
        subscriptions.reset();
    }

    /** The client is gone: as RESET, and its blocked calls end with their connections. */
    void end() {
        reset();
        blocking.closeAll();
    }
}

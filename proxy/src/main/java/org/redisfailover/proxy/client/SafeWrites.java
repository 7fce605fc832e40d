package org.redisfailover.proxy.client;

import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.command.RoutingClass;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.proxy.backend.NothingWritten;
import org.redisfailover.proxy.config.ProxyConfig;

/**
 * Safe mode's one decision ({@code min-replica-acks} N): whether a request sent to the master may be answered
 * before N replicas acknowledge what it wrote and, if it may not, which of its replies still prove that it
 * wrote nothing ({@link NothingWritten}). Every lane that sends to the master asks here: the shared lane (for
 * clients on shared connections and on connections of their own), transactions and blocking calls. Nothing
 * else in the proxy decides it.
 *
 * <p>What waits: everything that may write (Redis' {@code write} and {@code may_replicate} flags, scripts and
 * functions not flagged read-only, unknown commands), whatever its reply type. What does not: reads, and
 * the commands queued inside MULTI (they write nothing until EXEC; a WAIT there would be queued too).
 */
final class SafeWrites {

    private SafeWrites() {}

    /** True when writes wait for replicas at all. */
    static boolean on(ProxyConfig config) {
        return config.minReplicaAcks() > 0;
    }

    /** A request outside MULTI, to the master: null when its reply goes to the client as Redis sends it. */
    static NothingWritten command(ProxyConfig config, Route route) {
        if (!on(config) || !route.mayWrite()) {
            return null;
        }
        return route.errorsWriteNothing() ? NothingWritten.ON_ERROR : NothingWritten.NEVER;
    }

    /** A blocking call that may write (a pop or a move): its null reply says it timed out, having taken nothing. */
    static NothingWritten blockingCall(ProxyConfig config, boolean mayWrite) {
        return on(config) && mayWrite ? NothingWritten.ON_ERROR_OR_NULL : null;
    }

    /**
     * A request on a transaction's connection: inside MULTI only the EXEC of a transaction that queued a write
     * waits (its null says a WATCH aborted it, its error that Redis discarded it); outside MULTI (next to a
     * WATCH) a write waits as any command does.
     */
    static NothingWritten inTransaction(
            ProxyConfig config, TransactionState transaction, RedisRequest request, Route route) {
        if (!on(config)) {
            return null;
        }
        if (transaction.inMulti()) {
            return transaction.execOfWritingTransaction(request.name(), request.argc())
                    ? NothingWritten.ON_ERROR_OR_NULL
                    : null;
        }
        return route.routingClass() == RoutingClass.PIN_TRANSACTION ? null : command(config, route);
    }
}

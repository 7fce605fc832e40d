package org.redisfailover.proxy.client;

import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.resp.RedisRequest;

/**
 * One way a client's requests travel: the loop's shared connections, or a connection of the client's own
 * for a transaction, its subscriptions or one blocking call (and the handshake gate in front of the shared
 * ones). Within a lane Redis keeps the client's order; between lanes it could not, so the
 * {@link RequestSequencer} asks a lane whether a request may start before it runs it.
 */
interface Lane {

    /**
     * Whether {@code request} may run now. {@code laneChanges}: the client's previous request ran on another
     * lane; {@code outstanding}: replies still owed for earlier requests. A request that may not start waits,
     * unsent, until they are in, as it would wait behind them on a single Redis connection.
     */
    boolean mayStart(RedisRequest request, Route route, boolean laneChanges, int outstanding);

    /** Runs {@code request} (ownership passes); its reply takes its place in the client's reply order. */
    void run(RedisRequest request, Route route);
}

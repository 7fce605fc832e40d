package org.redisfailover.proxy.client;

import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.resp.RedisRequest;

/**
 * What a {@link Lane} may ask of the {@link RequestSequencer} that runs it: a place in the reply order for a
 * request it sends, to keep the client's later requests waiting meanwhile, and to hand a request to the
 * shared lane. The sequencer owns the lanes; they see it only through this.
 */
interface LaneContext {

    /**
     * A slot at the tail of the reply order for a request that goes to Redis. {@code route}: what the request is
     * (counted and sampled under its class; a write that may change data counts for read-your-writes);
     * {@code definite}: losing its reply means it had no effect.
     */
    ReplySlot forwardedSlot(Route route, boolean definite);

    /** Keeps the client's later requests waiting, unsent, until {@link #stopHoldingBack()}. */
    void holdBack();

    /** Ends one {@link #holdBack()}: the requests that waited run, in order, until one has to wait again. */
    void stopHoldingBack();

    /** Runs the requests that waited for something other than a hold-back (a subscription link that is ready again). */
    void runDeferred();

    /** Runs {@code request} on the shared lane (ownership passes): a command a lane does not carry itself. */
    void runShared(RedisRequest request, Route route);
}

package org.redisfailover.proxy.backend;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Reconnect delays: exponential from {@code base} to {@code max}, with full jitter so that the proxies'
 * many backend connections do not reconnect in lockstep after a Redis restart.
 */
final class Backoff {

    private final long baseMillis;
    private final long maxMillis;
    private int failures;

    Backoff(long baseMillis, long maxMillis) {
        this.baseMillis = baseMillis;
        this.maxMillis = maxMillis;
    }

    /** The delay before the next attempt, after one more failure. */
    long nextDelayMillis() {
        long ceiling = Math.min(maxMillis, baseMillis << Math.min(failures, 20));
        failures++;
        return baseMillis / 2 + ThreadLocalRandom.current().nextLong(Math.max(1, ceiling - baseMillis / 2 + 1));
    }

    /** Failures since the last reset. */
    int failures() {
        return failures;
    }

    void reset() {
        failures = 0;
    }
}

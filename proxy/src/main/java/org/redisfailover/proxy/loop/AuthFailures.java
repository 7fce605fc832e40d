package org.redisfailover.proxy.loop;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Failed AUTHs by client address, to slow a password guesser down: the first few WRONGPASS are
 * immediate (typos), after that each one waits twice as long as the last, up to {@link #MAX_DELAY_MILLIS}.
 * By address rather than by connection, since a guesser opens as many connections as it likes. An address
 * quiet for {@link #FORGET_AFTER_NANOS} starts over; the table is bounded, the oldest entries go first.
 * Thread-safe.
 */
public final class AuthFailures {

    static final int FREE_FAILURES = 3;
    static final long FIRST_DELAY_MILLIS = 100;
    static final long MAX_DELAY_MILLIS = 2_000;
    private static final long FORGET_AFTER_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final int MAX_TRACKED = 16_384;

    private record Failures(int count, long lastNanos) {}

    private final ConcurrentHashMap<InetAddress, Failures> byAddress = new ConcurrentHashMap<>();

    /** Counts a failed AUTH from {@code address}; returns how long its WRONGPASS should wait. */
    public long failed(InetAddress address) {
        long now = System.nanoTime();
        if (byAddress.size() >= MAX_TRACKED) {
            forgetQuietOnes(now);
        }
        Failures failures = byAddress.compute(
                address,
                (key, previous) -> new Failures(
                        previous == null || now - previous.lastNanos() > FORGET_AFTER_NANOS ? 1 : previous.count() + 1,
                        now));
        return delayMillis(failures.count());
    }

    /** How long {@code address}'s next attempt should wait, from the failures it has now (0: none recent). */
    public long currentDelay(InetAddress address) {
        Failures failures = byAddress.get(address);
        return failures == null || System.nanoTime() - failures.lastNanos() > FORGET_AFTER_NANOS
                ? 0
                : delayMillis(failures.count());
    }

    /** A successful AUTH from {@code address}: it starts over. */
    public void succeeded(InetAddress address) {
        byAddress.remove(address);
    }

    static long delayMillis(int failures) {
        if (failures <= FREE_FAILURES) {
            return 0;
        }
        int doublings = Math.min(failures - FREE_FAILURES - 1, 20);
        return Math.min(MAX_DELAY_MILLIS, FIRST_DELAY_MILLIS << doublings);
    }

    private void forgetQuietOnes(long now) {
        byAddress.values().removeIf(failures -> now - failures.lastNanos() > FORGET_AFTER_NANOS);
        if (byAddress.size() >= MAX_TRACKED) {
            byAddress.clear(); // a flood from more addresses than the table holds: start over rather than grow
        }
    }
}

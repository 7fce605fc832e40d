package org.redisfailover.proxy.metrics;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Latencies of one series: every event is counted (exact, exported as a counter), and one in
 * {@link #SAMPLE_EVERY}, picked at random, is timed into a histogram. Reading the clock twice and
 * recording for every request of a proxy doing a million a second costs more than the 3% of throughput
 * metrics may take; a random eighth of them gives the same distribution (a uniform sample), and random
 * rather than every eighth so no periodic client pattern is always or never the one timed. So the
 * histogram's own {@code _count} is that of the sample; rates come from the counter.
 */
public final class SampledLatency {

    static final int SAMPLE_EVERY = 8;

    private final StripedCounter count = new StripedCounter();
    private final StripedHistogram sampled = new StripedHistogram(StripedHistogram.LATENCY_BOUNDS);

    /** Whether to time the event about to start: true for a random one in {@link #SAMPLE_EVERY}. */
    public static boolean sample() {
        return ThreadLocalRandom.current().nextInt(SAMPLE_EVERY) == 0;
    }

    /** Counts one event. */
    public void count() {
        count.mark(1);
    }

    /** Records the duration of a sampled event (counted separately with {@link #count()}). */
    public void record(long nanos) {
        sampled.record(nanos);
    }

    /** Every event counted. */
    public long getCount() {
        return count.getCount();
    }

    StripedHistogram histogram() {
        return sampled;
    }
}

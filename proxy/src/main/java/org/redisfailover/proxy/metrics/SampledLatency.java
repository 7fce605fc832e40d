package org.redisfailover.proxy.metrics;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Latencies of one series: every event is counted (exact, exported as a counter), and one in
 * {@link #SAMPLE_EVERY} on average, at random intervals ({@link #nextSampleIn}), is timed into a histogram. Reading the clock twice and
 * recording for every request of a proxy doing a million a second costs more than the 3% of throughput
 * metrics may take; an eighth of them gives the same distribution, and at random intervals rather than
 * every eighth so no periodic client pattern is always or never the one timed. So the
 * histogram's own {@code _count} is that of the sample; rates come from the counter.
 */
public final class SampledLatency {

    static final int SAMPLE_EVERY = 8;

    private final StripedCounter count = new StripedCounter();
    private final StripedHistogram sampled = new StripedHistogram(StripedHistogram.LATENCY_BOUNDS);

    /**
     * How many events from now the next one to time is: uniform over 1 to 2 &times; {@link #SAMPLE_EVERY}
     * &minus; 1, so one in {@link #SAMPLE_EVERY} on average. A caller counts down a plain field of its own
     * to it, which costs less per event than drawing a random number for each (ThreadLocalRandom stores
     * its seed into the Thread object every draw).
     */
    public static int nextSampleIn() {
        return ThreadLocalRandom.current().nextInt(1, 2 * SAMPLE_EVERY);
    }

    /** Counts {@code events} events at once (a caller that batches its counts). */
    public void count(int events) {
        count.mark(events);
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

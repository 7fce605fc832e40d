package org.redisfailover.proxy.metrics;

import com.codahale.metrics.Histogram;
import com.codahale.metrics.Snapshot;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Latencies in nanoseconds, exported as a Prometheus summary: every event is counted (the summary's
 * {@code _count}, exact), and one in {@link #SAMPLE_EVERY}, picked at random, is timed into the
 * quantiles. Reading the clock twice and recording for every request of a proxy doing a million a
 * second costs more than the 3% of throughput metrics may take; a random eighth of them gives the same
 * quantiles (a uniform sample), and random rather than every eighth so no periodic client pattern is
 * always or never the one timed.
 */
public final class SampledLatency extends Histogram {

    static final int SAMPLE_EVERY = 8;

    private final StripedCounter count = new StripedCounter();
    private final LatencyReservoir reservoir;

    SampledLatency(LatencyReservoir reservoir) {
        super(reservoir);
        this.reservoir = reservoir;
    }

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
        reservoir.update(nanos);
    }

    @Override
    public void update(long nanos) {
        count();
        record(nanos);
    }

    @Override
    public void update(int nanos) {
        update((long) nanos);
    }

    @Override
    public long getCount() {
        return count.getCount();
    }

    @Override
    public Snapshot getSnapshot() {
        return reservoir.getSnapshot();
    }
}

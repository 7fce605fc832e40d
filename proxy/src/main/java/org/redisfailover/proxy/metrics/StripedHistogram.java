package org.redisfailover.proxy.metrics;

import io.netty.util.concurrent.FastThreadLocal;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Durations in nanoseconds counted into fixed buckets, exported as a Prometheus histogram (cumulative
 * buckets in seconds), so that quantiles aggregate across proxies: {@code histogram_quantile} over
 * {@code sum by (le)}. Each thread counts into cells of its own with plain (opaque) stores, as
 * {@link StripedCounter} does, and a scrape sums them: no lock, no shared cache line, no atomic
 * read-modify-write on the request path.
 */
public final class StripedHistogram {

    /**
     * Upper bounds for a Redis proxy, in seconds: tens of microseconds (a loopback GET) to seconds (a
     * request held through a failover, or a blocked WAIT).
     */
    public static final double[] LATENCY_BOUNDS = {
        0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
        10
    };

    /** Upper bounds for the phases of a failover or switchover, in seconds: 10 ms to a minute. */
    public static final double[] PHASE_BOUNDS = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60};

    private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);

    private final double[] bounds;
    private final long[] boundNanos;
    private final List<long[]> cells = new CopyOnWriteArrayList<>();
    private final FastThreadLocal<long[]> mine = new FastThreadLocal<>() {
        @Override
        protected long[] initialValue() {
            long[] cell = new long[boundNanos.length + 2]; // the buckets, +Inf, and the sum of nanoseconds
            cells.add(cell);
            return cell;
        }
    };

    StripedHistogram(double[] boundsSeconds) {
        this.bounds = boundsSeconds.clone();
        this.boundNanos = new long[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            boundNanos[i] = Math.round(bounds[i] * 1e9);
            if (i > 0 && boundNanos[i] <= boundNanos[i - 1]) {
                throw new IllegalArgumentException("bucket bounds must increase: " + Arrays.toString(boundsSeconds));
            }
        }
    }

    public void record(long nanos) {
        long[] cell = mine.get();
        int bucket = 0;
        while (bucket < boundNanos.length && nanos > boundNanos[bucket]) {
            bucket++;
        }
        // One writer per cell: only stores other threads may read.
        CELL.setOpaque(cell, bucket, (long) CELL.getOpaque(cell, bucket) + 1);
        int sum = boundNanos.length + 1;
        CELL.setOpaque(cell, sum, (long) CELL.getOpaque(cell, sum) + Math.max(0, nanos));
    }

    /** The upper bounds in seconds, +Inf not included. */
    double[] bounds() {
        return bounds.clone();
    }

    /** How many durations were recorded. */
    public long count() {
        return snapshot().count();
    }

    /** What the cells hold now. */
    Snapshot snapshot() {
        long[] counts = new long[boundNanos.length + 1];
        long sumNanos = 0;
        for (long[] cell : cells) {
            for (int i = 0; i < counts.length; i++) {
                counts[i] += (long) CELL.getOpaque(cell, i);
            }
            sumNanos += (long) CELL.getOpaque(cell, counts.length);
        }
        long[] cumulative = new long[counts.length];
        long running = 0;
        for (int i = 0; i < counts.length; i++) {
            running += counts[i];
            cumulative[i] = running;
        }
        return new Snapshot(cumulative, sumNanos / 1e9);
    }

    /**
     * @param cumulative the count at or below each bound, the last one +Inf (the total)
     * @param sumSeconds the sum of the recorded durations
     */
    record Snapshot(long[] cumulative, double sumSeconds) {

        long count() {
            return cumulative[cumulative.length - 1];
        }
    }
}

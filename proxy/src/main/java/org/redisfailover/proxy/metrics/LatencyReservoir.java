package org.redisfailover.proxy.metrics;

import com.codahale.metrics.Reservoir;
import com.codahale.metrics.Snapshot;
import io.netty.util.concurrent.FastThreadLocal;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * A Dropwizard reservoir for latencies in nanoseconds, cheap enough to update for every request on
 * the event loops: each thread records into an HdrHistogram recorder of its own (no lock, no shared
 * cache line), and a snapshot harvests them all. Dropwizard's own reservoirs take a lock or a shared
 * atomic and a clock read per update, which costs a proxy forwarding a million requests a second.
 *
 * <p>A snapshot covers the requests of the last {@link #WINDOW} (at least those since the previous
 * snapshot): quantiles that follow what happens now, whichever of several Prometheus servers scrapes.
 */
final class LatencyReservoir implements Reservoir {

    /** How far back a snapshot's quantiles look. */
    static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(60);
    static final String WINDOW = "60 s";

    /** Two significant digits: quantiles within 1%, a few KiB per recorder. */
    private static final int DIGITS = 2;

    private record Interval(long endNanos, Histogram histogram) {
    }

    private final List<SingleWriterRecorder> recorders = new CopyOnWriteArrayList<>();
    private final FastThreadLocal<SingleWriterRecorder> mine = new FastThreadLocal<>() {
        @Override
        protected SingleWriterRecorder initialValue() {
            SingleWriterRecorder recorder = new SingleWriterRecorder(DIGITS);
            recorders.add(recorder);
            return recorder;
        }
    };
    private final ArrayDeque<Interval> window = new ArrayDeque<>();
    private final LongSupplier clock;

    LatencyReservoir() {
        this(System::nanoTime);
    }

    LatencyReservoir(LongSupplier clock) {
        this.clock = clock;
    }

    @Override
    public void update(long nanos) {
        mine.get().recordValue(Math.max(0, nanos));
    }

    @Override
    public int size() {
        return (int) Math.min(Integer.MAX_VALUE, merged().getTotalCount());
    }

    @Override
    public Snapshot getSnapshot() {
        return new HdrSnapshot(merged());
    }

    /** Harvests every thread's recorder and merges the intervals still inside the window. */
    private synchronized Histogram merged() {
        long now = clock.getAsLong();
        Histogram harvested = new Histogram(DIGITS);
        for (SingleWriterRecorder recorder : recorders) {
            harvested.add(recorder.getIntervalHistogram());
        }
        window.addLast(new Interval(now, harvested));
        while (window.size() > 1 && now - window.peekFirst().endNanos() > WINDOW_NANOS) {
            window.pollFirst();
        }
        Histogram merged = new Histogram(DIGITS);
        window.forEach(interval -> merged.add(interval.histogram()));
        return merged;
    }

    /** Dropwizard's view of a merged HdrHistogram. */
    private static final class HdrSnapshot extends Snapshot {
        private final Histogram histogram;

        HdrSnapshot(Histogram histogram) {
            this.histogram = histogram;
        }

        @Override
        public double getValue(double quantile) {
            return histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(quantile * 100);
        }

        @Override
        public long[] getValues() {
            // Only for reporters that want every sample; a recorder keeps counts per bucket instead.
            long[] values = new long[(int) Math.min(histogram.getTotalCount(), 1 << 20)];
            int i = 0;
            for (var value : histogram.recordedValues()) {
                for (long n = 0; n < value.getCountAtValueIteratedTo() && i < values.length; n++) {
                    values[i++] = histogram.highestEquivalentValue(value.getValueIteratedTo());
                }
            }
            return values;
        }

        @Override
        public int size() {
            return (int) Math.min(Integer.MAX_VALUE, histogram.getTotalCount());
        }

        @Override
        public long getMax() {
            return histogram.getTotalCount() == 0 ? 0 : histogram.getMaxValue();
        }

        @Override
        public double getMean() {
            return histogram.getTotalCount() == 0 ? 0 : histogram.getMean();
        }

        @Override
        public long getMin() {
            return histogram.getTotalCount() == 0 ? 0 : histogram.getMinValue();
        }

        @Override
        public double getStdDev() {
            return histogram.getTotalCount() == 0 ? 0 : histogram.getStdDeviation();
        }

        @Override
        public void dump(OutputStream output) {
            try (PrintWriter out = new PrintWriter(new OutputStreamWriter(output, StandardCharsets.UTF_8))) {
                for (long value : getValues()) {
                    out.println(value);
                }
            }
        }
    }
}

package org.redisfailover.proxy.metrics;

import com.codahale.metrics.Meter;
import io.netty.util.concurrent.FastThreadLocal;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A monotonic count for the request path, exported as a Prometheus counter: each thread adds to a cell
 * of its own with a plain (opaque) store, and a scrape sums the cells. A LongAdder would pay an atomic
 * read-modify-write per add, and Dropwizard's Meter a clock read and its moving averages besides;
 * Prometheus computes rates from the count itself.
 */
final class StripedCounter extends Meter {

    private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);

    private final List<long[]> cells = new CopyOnWriteArrayList<>();
    private final FastThreadLocal<long[]> mine = new FastThreadLocal<>() {
        @Override
        protected long[] initialValue() {
            long[] cell = new long[1];
            cells.add(cell);
            return cell;
        }
    };

    @Override
    public void mark() {
        mark(1);
    }

    @Override
    public void mark(long n) {
        long[] cell = mine.get();
        // One writer per cell: no read-modify-write needed, only a store other threads may read.
        CELL.setOpaque(cell, 0, (long) CELL.getOpaque(cell, 0) + n);
    }

    @Override
    public long getCount() {
        long sum = 0;
        for (long[] cell : cells) {
            sum += (long) CELL.getOpaque(cell, 0);
        }
        return sum;
    }
}

package org.redisfailover.proxy.metrics;

import com.codahale.metrics.Meter;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Dropwizard meter that only counts. Prometheus computes rates from the count itself; Dropwizard's
 * moving averages would cost a clock read and three more adds on every mark, on the request path.
 */
final class CountingMeter extends Meter {

    private final LongAdder count = new LongAdder();

    @Override
    public void mark(long n) {
        count.add(n);
    }

    @Override
    public long getCount() {
        return count.sum();
    }
}

package org.redisfailover.proxy.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Snapshot;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LatencyReservoirTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final LatencyReservoir reservoir = new LatencyReservoir(now::get);

    private void recordOnAThreadOfItsOwn(long value, int times) throws InterruptedException {
        Thread thread = new FastThreadLocalThread(() -> {
            for (int i = 0; i < times; i++) {
                reservoir.update(value);
            }
        });
        thread.start();
        thread.join(10_000);
    }

    @Test
    void mergesEveryThreadsRecordings() throws InterruptedException {
        recordOnAThreadOfItsOwn(100_000, 90);
        recordOnAThreadOfItsOwn(5_000_000, 10);
        Snapshot snapshot = reservoir.getSnapshot();
        assertEquals(100, snapshot.size());
        assertEquals(100_000, snapshot.getMedian(), 1_000, "within the 1% of two significant digits");
        assertEquals(5_000_000, snapshot.get99thPercentile(), 50_000);
        assertEquals(5_000_000, snapshot.getMax(), 50_000);
    }

    @Test
    void quantilesForgetWhatIsOlderThanTheWindow() throws InterruptedException {
        recordOnAThreadOfItsOwn(9_000_000, 50);
        assertEquals(9_000_000, reservoir.getSnapshot().getMedian(), 90_000);
        now.addAndGet(LatencyReservoir.WINDOW_NANOS / 2);
        recordOnAThreadOfItsOwn(1_000, 50);
        assertEquals(100, reservoir.getSnapshot().size(), "both halves inside the window");
        now.addAndGet(LatencyReservoir.WINDOW_NANOS / 2 + 1);
        Snapshot recent = reservoir.getSnapshot();
        assertEquals(50, recent.size(), "the first recordings left the window");
        assertTrue(recent.getMax() < 10_000, "max " + recent.getMax());
    }

    @Test
    void anEmptyReservoirReportsZeroes() {
        Snapshot snapshot = reservoir.getSnapshot();
        assertEquals(0, snapshot.size());
        assertEquals(0, snapshot.getMedian());
        assertEquals(0, snapshot.getMax());
    }
}

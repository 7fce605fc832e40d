package org.redisfailover.proxy.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.redisfailover.protocol.command.RoutingClass;
import org.redisfailover.protocol.topology.NodeAddress;

class StripedHistogramTest {

    @Test
    void countsEachDurationIntoTheFirstBucketItFitsCumulatively() {
        StripedHistogram histogram = new StripedHistogram(new double[] {0.001, 0.01, 0.1});
        histogram.record(1_000_000); // exactly 1 ms: le="0.001", as Prometheus' buckets are upper-inclusive
        histogram.record(1_000_001);
        histogram.record(50_000_000);
        histogram.record(2_000_000_000L);
        StripedHistogram.Snapshot snapshot = histogram.snapshot();
        assertArrayEquals(new long[] {1, 2, 3, 4}, snapshot.cumulative());
        assertEquals(4, snapshot.count());
        assertEquals(2.052000001, snapshot.sumSeconds(), 1e-9);
    }

    @Test
    void sumsTheCellsOfEveryThread() throws Exception {
        StripedHistogram histogram = new StripedHistogram(StripedHistogram.LATENCY_BOUNDS);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 10_000; i++) {
                    histogram.record(30_000); // 30 us
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join(10_000);
        }
        StripedHistogram.Snapshot snapshot = histogram.snapshot();
        assertEquals(40_000, snapshot.count());
        assertEquals(0, snapshot.cumulative()[0], "above 25 us");
        assertEquals(40_000, snapshot.cumulative()[1], "at most 50 us");
    }

    @Test
    void refusesBoundsThatDoNotIncrease() {
        assertThrows(IllegalArgumentException.class, () -> new StripedHistogram(new double[] {0.1, 0.1}));
    }

    @Test
    void exportsAHistogramOfTheSampleAndACounterOfEveryEvent() throws Exception {
        ProxyMetrics metrics = ProxyMetrics.enabled();
        SampledLatency master = metrics.requests(RoutingClass.MASTER);
        for (int i = 0; i < 10; i++) {
            master.count(1);
        }
        master.record(300_000); // 0.3 ms
        metrics.node(new NodeAddress("10.0.0.1", 6379)).latency().count(1);
        StringWriter out = new StringWriter();
        new PrometheusText(metrics).write(out);
        String text = out.toString();
        assertTrue(text.contains("# TYPE redis_failover_request_duration_seconds histogram"), text);
        assertTrue(
                text.contains("redis_failover_request_duration_seconds_bucket{class=\"master\",le=\"2.5E-4\",} 0.0"),
                text);
        assertTrue(
                text.contains("redis_failover_request_duration_seconds_bucket{class=\"master\",le=\"5.0E-4\",} 1.0"),
                text);
        assertTrue(
                text.contains("redis_failover_request_duration_seconds_bucket{class=\"master\",le=\"+Inf\",} 1.0"),
                text);
        assertTrue(text.contains("redis_failover_request_duration_seconds_count{class=\"master\",} 1.0"), text);
        assertTrue(text.contains("redis_failover_request_duration_seconds_sum{class=\"master\",} 3.0E-4"), text);
        assertTrue(
                text.contains("# TYPE redis_failover_requests_total counter")
                        || text.contains("# TYPE redis_failover_requests counter"),
                text);
        assertTrue(text.contains("redis_failover_requests_total{class=\"master\",} 10.0"), text);
        assertTrue(text.contains("redis_failover_backend_replies_total{node=\"10.0.0.1:6379\",} 1.0"), text);
    }
}

package org.redisfailover.proxy.metrics;

import io.prometheus.client.Collector;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Exports the proxy's histograms: each {@link SampledLatency} as two families, a Prometheus histogram
 * of the sampled durations ({@code _bucket{le}}, {@code _sum}, {@code _count} of the sample) and a
 * counter of every event; and plain {@link StripedHistogram}s of every event (held time, switch
 * phases). The exposition itself is the Prometheus client's.
 */
final class LatencyExports extends Collector {

    /**
     * One labelled series.
     *
     * @param histogram      the histogram family ({@code redis_failover_request_duration_seconds})
     * @param histogramHelp  its help text
     * @param counter        the counter family, without {@code _total} ({@code redis_failover_requests}), or null
     * @param counterHelp    its help text
     * @param durations      the histogram's buckets
     * @param latency        for a counter, what counts every event
     */
    record Series(
            String histogram,
            String histogramHelp,
            String counter,
            String counterHelp,
            List<String> labelNames,
            List<String> labelValues,
            StripedHistogram durations,
            SampledLatency latency) {}

    private final List<Series> series = new CopyOnWriteArrayList<>();

    void add(Series one) {
        series.add(one);
    }

    @Override
    public List<MetricFamilySamples> collect() {
        Map<String, List<MetricFamilySamples.Sample>> histograms = new LinkedHashMap<>();
        Map<String, List<MetricFamilySamples.Sample>> counters = new LinkedHashMap<>();
        Map<String, String> help = new LinkedHashMap<>();
        for (Series one : series) {
            help.putIfAbsent(one.histogram(), one.histogramHelp());
            List<MetricFamilySamples.Sample> samples =
                    histograms.computeIfAbsent(one.histogram(), name -> new ArrayList<>());
            StripedHistogram histogram = one.durations();
            StripedHistogram.Snapshot snapshot = histogram.snapshot();
            double[] bounds = histogram.bounds();
            List<String> bucketLabels = new ArrayList<>(one.labelNames());
            bucketLabels.add("le");
            for (int i = 0; i <= bounds.length; i++) {
                List<String> values = new ArrayList<>(one.labelValues());
                values.add(i < bounds.length ? Collector.doubleToGoString(bounds[i]) : "+Inf");
                samples.add(new MetricFamilySamples.Sample(
                        one.histogram() + "_bucket", bucketLabels, values, snapshot.cumulative()[i]));
            }
            samples.add(new MetricFamilySamples.Sample(
                    one.histogram() + "_count", one.labelNames(), one.labelValues(), snapshot.count()));
            samples.add(new MetricFamilySamples.Sample(
                    one.histogram() + "_sum", one.labelNames(), one.labelValues(), snapshot.sumSeconds()));
            if (one.counter() != null) {
                help.putIfAbsent(one.counter(), one.counterHelp());
                counters.computeIfAbsent(one.counter(), name -> new ArrayList<>())
                        .add(new MetricFamilySamples.Sample(
                                one.counter() + "_total",
                                one.labelNames(),
                                one.labelValues(),
                                one.latency().getCount()));
            }
        }
        List<MetricFamilySamples> families = new ArrayList<>();
        histograms.forEach((name, samples) ->
                families.add(new MetricFamilySamples(name, Type.HISTOGRAM, help.get(name), samples)));
        counters.forEach(
                (name, samples) -> families.add(new MetricFamilySamples(name, Type.COUNTER, help.get(name), samples)));
        return families;
    }
}

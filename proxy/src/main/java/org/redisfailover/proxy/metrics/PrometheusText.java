package org.redisfailover.proxy.metrics;

import io.prometheus.client.Collector;
import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.GaugeMetricFamily;
import io.prometheus.client.dropwizard.DropwizardExports;
import io.prometheus.client.exporter.common.TextFormat;
import io.prometheus.client.hotspot.BufferPoolsExports;
import io.prometheus.client.hotspot.GarbageCollectorExports;
import io.prometheus.client.hotspot.MemoryPoolsExports;
import io.prometheus.client.hotspot.StandardExports;
import io.prometheus.client.hotspot.ThreadExports;
import io.prometheus.client.hotspot.VersionInfoExports;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import org.redisfailover.protocol.build.BuildVersion;

/**
 * Writes the proxy's metrics in Prometheus' text exposition format (version 0.0.4): the Dropwizard
 * counters and gauges through Prometheus' Dropwizard bridge, with each family's help text in place of
 * the bridge's generic one, and the latency histograms ({@link LatencyExports}).
 */
public final class PrometheusText {

    /** The Content-Type of what {@link #write} produces. */
    public static final String CONTENT_TYPE = TextFormat.CONTENT_TYPE_004;

    private final ProxyMetrics metrics;
    private final CollectorRegistry registry = new CollectorRegistry();

    public PrometheusText(ProxyMetrics metrics) {
        this.metrics = metrics;
        registry.register(
                new HelpfulExports(new DropwizardExports(metrics.registry(), metrics.names()), metrics.names()));
        registry.register(metrics.latencies());
        registry.register(new BuildInfo());
        // What every Prometheus user looks for first: process_cpu_seconds_total, process_resident_memory_bytes,
        // process_open_fds, process_start_time_seconds, and the JVM's memory, collectors, threads and buffers.
        registry.register(new StandardExports());
        registry.register(new MemoryPoolsExports());
        registry.register(new BufferPoolsExports());
        registry.register(new GarbageCollectorExports());
        registry.register(new ThreadExports());
        registry.register(new VersionInfoExports());
    }

    /**
     * Refreshes the gauges whose set changes, then writes every metric, each series labelled with the
     * replication group ({@link ProxyMetrics#group()}) so that several groups can share one Prometheus.
     */
    public void write(Writer out) throws IOException {
        metrics.refresh();
        Enumeration<MetricFamilySamples> families = registry.metricFamilySamples();
        String group = metrics.group();
        TextFormat.write004(out, group == null ? families : new GroupLabelled(families, group));
    }

    /** {@code redis_failover_build_info{version, revision} 1}, from the jar's manifest. */
    private static final class BuildInfo extends Collector {
        @Override
        public List<MetricFamilySamples> collect() {
            BuildVersion build = BuildVersion.current();
            return List.of(new GaugeMetricFamily(
                            ProxyMetrics.PREFIX + "build_info",
                            "The running build: version and git revision",
                            List.of("version", "revision"))
                    .addMetric(List.of(build.version(), build.revision()), 1));
        }
    }

    /** Every sample with a {@code group} label added, as the families stream to the writer. */
    private static final class GroupLabelled implements Enumeration<MetricFamilySamples> {
        private final Enumeration<MetricFamilySamples> families;
        private final String group;

        GroupLabelled(Enumeration<MetricFamilySamples> families, String group) {
            this.families = families;
            this.group = group;
        }

        @Override
        public boolean hasMoreElements() {
            return families.hasMoreElements();
        }

        @Override
        public MetricFamilySamples nextElement() {
            MetricFamilySamples family = families.nextElement();
            List<MetricFamilySamples.Sample> samples = new ArrayList<>(family.samples.size());
            for (MetricFamilySamples.Sample sample : family.samples) {
                List<String> names = new ArrayList<>(sample.labelNames);
                List<String> values = new ArrayList<>(sample.labelValues);
                names.add("group");
                values.add(group);
                samples.add(new MetricFamilySamples.Sample(
                        sample.name, names, values, sample.value, sample.exemplar, sample.timestampMs));
            }
            return new MetricFamilySamples(family.name, family.unit, family.type, family.help, samples);
        }
    }

    /** The bridge's families, with help text from {@link SeriesNames}. */
    private static final class HelpfulExports extends Collector {
        private final DropwizardExports bridge;
        private final SeriesNames names;

        HelpfulExports(DropwizardExports bridge, SeriesNames names) {
            this.bridge = bridge;
            this.names = names;
        }

        @Override
        public List<MetricFamilySamples> collect() {
            List<MetricFamilySamples> families = new ArrayList<>();
            for (MetricFamilySamples family : bridge.collect()) {
                String help = names.help(family.name);
                if (help == null && family.type == Type.COUNTER) {
                    help = names.help(family.name.replaceFirst("_total$", ""));
                }
                families.add(
                        help == null
                                ? family
                                : new MetricFamilySamples(family.name, family.unit, family.type, help, family.samples));
            }
            families.sort(Comparator.comparing(family -> family.name));
            return families;
        }
    }
}

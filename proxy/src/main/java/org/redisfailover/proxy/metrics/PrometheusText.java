package org.redisfailover.proxy.metrics;

import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.dropwizard.DropwizardExports;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

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
        registry.register(new HelpfulExports(new DropwizardExports(metrics.registry(), metrics.names()), metrics.names()));
        registry.register(metrics.latencies());
    }

    /** Refreshes the gauges whose set changes, then writes every metric. */
    public void write(Writer out) throws IOException {
        metrics.refresh();
        TextFormat.write004(out, registry.metricFamilySamples());
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
                families.add(help == null ? family : new MetricFamilySamples(family.name, family.unit, family.type, help, family.samples));
            }
            families.sort(Comparator.comparing(family -> family.name));
            return families;
        }
    }
}

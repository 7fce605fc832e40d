package org.redisfailover.proxy.metrics;

import io.prometheus.client.Collector;
import io.prometheus.client.dropwizard.samplebuilder.DefaultSampleBuilder;
import io.prometheus.client.dropwizard.samplebuilder.SampleBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Names Dropwizard metrics so that the Prometheus bridge exports them as labelled series of one family:
 * the Dropwizard name of a series is its family and labels written out
 * ({@code redis_failover_backend_duration_seconds{node="10.0.0.5:6379"}}), and this sample builder
 * turns it back into the family name and its labels. Label values are node addresses and names from
 * the command table, never anything a client sent, so the number of series stays bounded.
 */
final class SeriesNames implements SampleBuilder {

    private record Series(String family, List<String> labelNames, List<String> labelValues) {}

    private final ConcurrentMap<String, Series> series = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, String> help = new ConcurrentHashMap<>();
    private final DefaultSampleBuilder unlabelled = new DefaultSampleBuilder();

    /**
     * The Dropwizard name of the series of {@code family} with {@code labels} (name, value, name,
     * value, ...), remembering {@code helpText} for the family.
     */
    String name(String family, String helpText, String... labels) {
        if (labels.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in name/value pairs: " + List.of(labels));
        }
        if (helpText != null) {
            help.putIfAbsent(family, helpText);
        }
        if (labels.length == 0) {
            return family;
        }
        List<String> names = new ArrayList<>();
        List<String> values = new ArrayList<>();
        StringBuilder dropwizardName = new StringBuilder(family).append('{');
        for (int i = 0; i < labels.length; i += 2) {
            names.add(labels[i]);
            values.add(labels[i + 1]);
            dropwizardName
                    .append(i == 0 ? "" : ",")
                    .append(labels[i])
                    .append("=\"")
                    .append(labels[i + 1])
                    .append('"');
        }
        String name = dropwizardName.append('}').toString();
        series.putIfAbsent(name, new Series(family, List.copyOf(names), List.copyOf(values)));
        return name;
    }

    /** The help text of a family, or null for one not named here. */
    String help(String family) {
        return help.get(family);
    }

    /** Forgets a series whose metric was removed. */
    void forget(String dropwizardName) {
        series.remove(dropwizardName);
    }

    @Override
    public Collector.MetricFamilySamples.Sample createSample(
            String dropwizardName,
            String nameSuffix,
            List<String> additionalLabelNames,
            List<String> additionalLabelValues,
            double value) {
        Series labelled = series.get(dropwizardName);
        if (labelled == null) {
            return unlabelled.createSample(
                    dropwizardName, nameSuffix, additionalLabelNames, additionalLabelValues, value);
        }
        List<String> names = new ArrayList<>(labelled.labelNames());
        List<String> values = new ArrayList<>(labelled.labelValues());
        if (additionalLabelNames != null) {
            names.addAll(additionalLabelNames);
            values.addAll(additionalLabelValues);
        }
        String suffix = nameSuffix == null ? "" : nameSuffix;
        return new Collector.MetricFamilySamples.Sample(labelled.family() + suffix, names, values, value);
    }
}

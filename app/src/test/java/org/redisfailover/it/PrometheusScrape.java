package org.redisfailover.it;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A scrape of {@code /metrics}, parsed by Prometheus' own Python client
 * ({@code prometheus_client.parser}, Debian's python3-prometheus-client): a format error fails the test
 * as it would fail a real Prometheus server's scrape.
 */
public final class PrometheusScrape {

    /** One sample: its name (with _count, _total...), labels and value; {@code family} and {@code type} as parsed. */
    public record Sample(String family, String type, String name, Map<String, String> labels, double value) {}

    private static final String PYTHON = "/usr/bin/python3";
    private static final String PARSE = String.join(
            "\n",
            "import json, sys",
            "from prometheus_client.parser import text_string_to_metric_families",
            "out = []",
            "for family in text_string_to_metric_families(sys.stdin.read()):",
            "    for s in family.samples:",
            "        out.append({'family': family.name, 'type': family.type, 'name': s.name, 'labels': s.labels, 'value': s.value})",
            "print(json.dumps(out))");
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final List<Sample> samples;
    private final String text;

    private PrometheusScrape(List<Sample> samples, String text) {
        this.samples = samples;
        this.text = text;
    }

    /** GETs {@code http://127.0.0.1:port/metrics} and parses it; checks the Content-Type Prometheus expects. */
    public static PrometheusScrape of(int adminPort) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200
                || !response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4")) {
            throw new AssertionError("/metrics answered " + response.statusCode() + " "
                    + response.headers().map() + ": " + response.body());
        }
        return new PrometheusScrape(parse(response.body()), response.body());
    }

    static List<Sample> parse(String text) throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            throw new IllegalStateException(
                    PYTHON + " not found: the metrics tests parse with Prometheus' Python client "
                            + "(Debian: apt-get install -y python3-prometheus-client; scripts/test installs it)");
        }
        Process python = new ProcessBuilder(PYTHON, "-c", PARSE)
                .redirectError(ProcessBuilder.Redirect.PIPE)
                .start();
        try (OutputStream in = python.getOutputStream()) {
            in.write(text.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(python.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!python.waitFor(30, TimeUnit.SECONDS) || python.exitValue() != 0) {
            if (err.contains("No module named 'prometheus_client'")) {
                throw new IllegalStateException(
                        "Prometheus' Python client is missing (Debian: apt-get install -y python3-prometheus-client)");
            }
            throw new AssertionError("Prometheus' parser rejected the scrape: " + err + "\n--- scrape ---\n" + text);
        }
        List<Sample> samples = new ArrayList<>();
        for (JsonNode sample : MAPPER.readTree(out)) {
            Map<String, String> labels = new LinkedHashMap<>();
            sample.path("labels")
                    .fields()
                    .forEachRemaining(
                            label -> labels.put(label.getKey(), label.getValue().asText()));
            samples.add(new Sample(
                    sample.path("family").asText(),
                    sample.path("type").asText(),
                    sample.path("name").asText(),
                    labels,
                    sample.path("value").asDouble()));
        }
        return samples;
    }

    public List<Sample> samples() {
        return samples;
    }

    /** The value of the one sample named {@code name} with (at least) {@code labels} (name, value pairs); null if none. */
    public Double value(String name, String... labels) {
        Double found = null;
        for (Sample sample : samples) {
            if (sample.name().equals(name) && matches(sample.labels(), labels)) {
                if (found != null) {
                    throw new AssertionError("more than one sample " + name + " " + List.of(labels) + " in\n" + text);
                }
                found = sample.value();
            }
        }
        return found;
    }

    /** Like {@link #value}, failing when absent. */
    public double required(String name, String... labels) {
        Double value = value(name, labels);
        if (value == null) {
            throw new AssertionError("no sample " + name + " " + List.of(labels) + " in\n" + text);
        }
        return value;
    }

    /** The type Prometheus parsed for the family {@code family}. */
    public String type(String family) {
        return samples.stream()
                .filter(sample -> sample.family().equals(family))
                .map(Sample::type)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no family " + family + " in\n" + text));
    }

    public String text() {
        return text;
    }

    private static boolean matches(Map<String, String> actual, String... labels) {
        for (int i = 0; i < labels.length; i += 2) {
            if (!labels[i + 1].equals(actual.get(labels[i]))) {
                return false;
            }
        }
        return true;
    }
}

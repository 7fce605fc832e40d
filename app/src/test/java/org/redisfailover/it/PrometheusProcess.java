package org.redisfailover.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
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
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.redisfailover.testing.FreePort;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RedisProcess;

/**
 * A real Prometheus server (Debian's {@code prometheus}) scraping given targets every second and
 * evaluating given rule files every second, queried through its HTTP API.
 */
final class PrometheusProcess implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One series of an instant vector: its labels and value. */
    record Series(Map<String, String> labels, double value) {}

    /** One alert as Prometheus' {@code /api/v1/alerts} lists it. */
    record Alert(String name, String state, Map<String, String> labels) {}

    private final Path dir;
    private final Process process;
    private final int port;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private PrometheusProcess(Path dir, Process process, int port) {
        this.dir = dir;
        this.process = process;
        this.port = port;
    }

    /**
     * Starts Prometheus in {@code dir} with a config scraping {@code targets} (host:port of admin
     * endpoints) as job {@code redis-failover}, with {@code rules} as its rule file.
     */
    static PrometheusProcess start(Path dir, List<String> targets, Path rules) throws IOException {
        if (!RedisProcess.onPath("prometheus")) {
            throw new IllegalStateException("prometheus not found on PATH: PrometheusIT needs a real Prometheus "
                    + "(Debian: apt-get install -y --no-install-recommends prometheus; scripts/test installs it)");
        }
        String targetList = targets.stream().map(target -> "'" + target + "'").collect(Collectors.joining(", "));
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "global:",
                        "  scrape_interval: 1s",
                        "  scrape_timeout: 900ms",
                        "  evaluation_interval: 1s",
                        "rule_files:",
                        "  - '" + rules.toAbsolutePath() + "'",
                        "scrape_configs:",
                        "  - job_name: redis-failover",
                        "    static_configs:",
                        "      - targets: [" + targetList + "]",
                        ""));
        int port = FreePort.next();
        Process process = new ProcessBuilder(
                        "prometheus",
                        "--config.file=" + config,
                        "--storage.tsdb.path=" + dir.resolve("data"),
                        "--web.listen-address=127.0.0.1:" + port,
                        "--log.level=warn")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("prometheus.log").toFile())
                .start();
        PrometheusProcess prometheus = new PrometheusProcess(dir, process, port);
        try {
            Poll.until(Duration.ofSeconds(30), "prometheus to be ready on port " + port, prometheus::ready);
        } catch (RuntimeException e) {
            prometheus.close();
            throw new IllegalStateException(e.getMessage() + "; its log: " + prometheus.log(), e);
        }
        return prometheus;
    }

    private boolean ready() {
        if (!process.isAlive()) {
            throw new IllegalStateException("prometheus exited with " + process.exitValue());
        }
        try {
            return get("/-/ready").statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /** The instant vector of {@code promql} now; an error of Prometheus (bad PromQL) throws. */
    List<Series> query(String promql) throws IOException {
        JsonNode data = data(get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)));
        if (!"vector".equals(data.path("resultType").asText())) {
            throw new IllegalStateException("not an instant vector: " + data);
        }
        List<Series> result = new ArrayList<>();
        for (JsonNode series : data.path("result")) {
            result.add(new Series(
                    labels(series.path("metric")),
                    Double.parseDouble(series.path("value").get(1).asText())));
        }
        return result;
    }

    /** The alerts pending or firing now. */
    List<Alert> alerts() throws IOException {
        List<Alert> result = new ArrayList<>();
        for (JsonNode alert : data(get("/api/v1/alerts")).path("alerts")) {
            Map<String, String> labels = labels(alert.path("labels"));
            result.add(new Alert(labels.get("alertname"), alert.path("state").asText(), labels));
        }
        return result;
    }

    /** The names of every series Prometheus has stored. */
    Set<String> metricNames() throws IOException {
        Set<String> names = new TreeSet<>();
        data(get("/api/v1/label/__name__/values")).forEach(name -> names.add(name.asText()));
        return names;
    }

    /** Whether the last scrape of every target succeeded. */
    boolean allTargetsUp(int expected) throws IOException {
        int up = 0;
        for (JsonNode target : data(get("/api/v1/targets?state=active")).path("activeTargets")) {
            if ("up".equals(target.path("health").asText())) {
                up++;
            }
        }
        return up == expected;
    }

    /** The tail of Prometheus' own log, for a failure message. */
    String log() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("prometheus.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private HttpResponse<String> get(String path) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5))
                .build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static JsonNode data(HttpResponse<String> response) throws IOException {
        JsonNode body = JSON.readTree(response.body());
        if (response.statusCode() != 200
                || !"success".equals(body.path("status").asText())) {
            throw new IllegalStateException("prometheus answered " + response.statusCode() + ": " + response.body());
        }
        return body.path("data");
    }

    private static Map<String, String> labels(JsonNode object) {
        Map<String, String> labels = new LinkedHashMap<>();
        object.fields()
                .forEachRemaining(
                        field -> labels.put(field.getKey(), field.getValue().asText()));
        return labels;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

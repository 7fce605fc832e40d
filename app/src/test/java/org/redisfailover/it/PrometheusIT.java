package org.redisfailover.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.redisfailover.app.GroupMetrics;
import org.redisfailover.monitor.Monitor;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.admin.AdminServer;
import org.redisfailover.proxy.server.ProxyServer;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;

/**
 * A real Prometheus scrapes two proxies (each with its co-located monitor) and evaluates the shipped
 * alert rules: request rates per proxy, a latency quantile over both proxies' histograms, the failover
 * counter, and the no-master alert ({@code RedisFailoverNotReady}) firing while a dead master has no
 * replica to promote and resolving once the failover completes.
 */
@ExtendWith(RedisGroup.class)
class PrometheusIT {

    /** The shipped rules' {@code for:} (a minute and more) shortened so the test waits seconds; the expressions are the shipped ones. */
    private static final String TEST_FOR = "for: 2s";

    private static final Pattern METRIC = Pattern.compile("redis_failover_[a-z_]+");

    /**
     * What the rules and the dashboard use that these proxies do not export: the certificate's expiry needs a TLS
     * port, the cluster's slots a proxy in cluster mode.
     */
    private static final Set<String> ONLY_WHEN_CONFIGURED =
            Set.of("redis_failover_tls_certificate_expiry_seconds", "redis_failover_cluster_slots_covered");

    private FailoverFixture fixture;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void startZooKeeper(RedisGroup group) throws Exception {
        fixture = FailoverFixture.onOwnZooKeeper(group);
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        fixture.close();
    }

    @Test
    void prometheusFollowsTwoProxiesThroughAFailover(RedisGroup group, @TempDir Path dir) throws Exception {
        List<ProxyServer> proxies = new ArrayList<>();
        List<String> targets = new ArrayList<>();
        for (String id : List.of("1", "2")) {
            Monitor monitor = fixture.startMonitor("m" + id);
            fixture.awaitSeeded();
            ProxyServer proxy = fixture.startProxy("p" + id);
            GroupMetrics.register(proxy.metrics(), fixture.admin, FailoverFixture.LAYOUT, monitor);
            AdminServer admin =
                    AdminServer.start(new NodeAddress("127.0.0.1", 0), proxy.topology(), proxy.metrics(), null);
            closeables.add(admin);
            proxies.add(proxy);
            targets.add("127.0.0.1:" + admin.port());
        }
        Path rules = dir.resolve("alerts.yml");
        Files.writeString(
                rules,
                Files.readString(Path.of("../conf/prometheus/alerts.yml")).replaceAll("for: \\S+", TEST_FOR));
        PrometheusProcess prometheus = PrometheusProcess.start(dir, targets, rules);
        closeables.add(prometheus);
        Poll.until(
                Duration.ofSeconds(20),
                "prometheus to scrape both proxies",
                () -> call(() -> prometheus.allTargetsUp(2)));
        Set<String> instances = Set.copyOf(targets);

        // Traffic through both proxies across several scrapes, so that rate() sees the counters move.
        long trafficUntil = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        List<Jedis> clients = new ArrayList<>();
        for (ProxyServer proxy : proxies) {
            Jedis client = new Jedis("127.0.0.1", proxy.boundAddress().port(), 5000);
            closeables.add(client);
            clients.add(client);
        }
        for (int i = 0; i < 100_000 && System.nanoTime() - trafficUntil < 0; i++) {
            for (Jedis client : clients) {
                client.set("prometheus:" + i, "v");
                client.get("prometheus:" + i);
            }
        }

        Poll.until(
                Duration.ofSeconds(20),
                "request rates of both proxies",
                () -> call(() -> {
                    List<PrometheusProcess.Series> rates = prometheus.query(
                            "sum by (instance) (rate(redis_failover_requests_total{class=\"master\"}[30s]))");
                    return instancesOf(rates).equals(instances)
                            && rates.stream().allMatch(series -> series.value() > 0);
                }));
        // The quantile of the two proxies' histograms summed: one series, in seconds.
        String acrossProxies =
                "histogram_quantile(0.99, sum by (le) (rate(redis_failover_request_duration_seconds_bucket{class=\"master\"}[30s])))";
        List<PrometheusProcess.Series> p99 = prometheus.query(acrossProxies);
        assertEquals(1, p99.size(), "one quantile over both proxies: " + p99);
        assertTrue(p99.get(0).value() > 0 && p99.get(0).value() < 1, "a p99 write latency in seconds: " + p99);
        assertEquals(
                instances,
                instancesOf(prometheus.query(
                        "count by (instance) (redis_failover_request_duration_seconds_bucket{class=\"master\"})")),
                "both proxies' buckets are in the sum");
        assertEquals(
                List.of(),
                prometheus.query("ALERTS{alertstate=\"firing\", severity=\"critical\"}"),
                "a healthy group pages nobody");

        // The master dies while both replicas are frozen: no replica to promote, so no master.
        group.master().kill();
        group.replicas().forEach(RedisProcess::pause);
        Poll.until(
                Duration.ofSeconds(30),
                "the no-master alert firing for both proxies",
                () -> call(() ->
                        firingInstances(prometheus, "RedisFailoverNotReady").equals(instances)));
        PrometheusProcess.Alert noMaster = prometheus.alerts().stream()
                .filter(alert -> "RedisFailoverNotReady".equals(alert.name()))
                .findFirst()
                .orElseThrow();
        assertEquals("critical", noMaster.labels().get("severity"));
        assertEquals("redis-failover", noMaster.labels().get("job"));

        // The replicas answer again: the monitors promote one, and the alert resolves.
        group.replicas().forEach(RedisProcess::resume);
        fixture.awaitNewMaster(group.master().address(), Duration.ofSeconds(30));
        Poll.until(
                Duration.ofSeconds(30),
                "the no-master alert to resolve",
                () -> call(() ->
                        prometheus.alerts().stream().noneMatch(alert -> "RedisFailoverNotReady".equals(alert.name()))));
        Poll.until(
                Duration.ofSeconds(20),
                "the failover counted by both proxies",
                () -> call(() -> {
                    List<PrometheusProcess.Series> changes =
                            prometheus.query("redis_failover_master_changes_total{kind=\"failover\"}");
                    return instancesOf(changes).equals(instances)
                            && changes.stream().allMatch(series -> series.value() == 1);
                }));
        Poll.until(
                Duration.ofSeconds(20),
                "the failover alert",
                () -> call(() ->
                        firingInstances(prometheus, "RedisFailoverFailover").size() == 1));
        assertEquals(List.of(), prometheus.query("redis_failover_ready == 0"), "both proxies write to the new master");

        Set<String> used = new TreeSet<>();
        for (Path shipped :
                List.of(Path.of("../conf/prometheus/alerts.yml"), Path.of("../conf/grafana/redis-failover.json"))) {
            Matcher metric = METRIC.matcher(Files.readString(shipped));
            while (metric.find()) {
                used.add(metric.group());
            }
        }
        // The last switch's phases appear once the monitors' history shows the failover done.
        Poll.until(
                Duration.ofSeconds(20),
                "every metric the rules and the dashboard use, in Prometheus",
                () -> call(() -> {
                    Set<String> missing = new TreeSet<>(used);
                    missing.removeAll(prometheus.metricNames());
                    return missing.equals(ONLY_WHEN_CONFIGURED);
                }));
    }

    private static Set<String> instancesOf(List<PrometheusProcess.Series> series) {
        return series.stream().map(one -> one.labels().get("instance")).collect(Collectors.toSet());
    }

    /** The instances an alert fires for; an alert without an instance label (an aggregate) counts once, as "". */
    private static Set<String> firingInstances(PrometheusProcess prometheus, String alertName) throws IOException {
        return prometheus.alerts().stream()
                .filter(alert -> alertName.equals(alert.name()) && "firing".equals(alert.state()))
                .map(alert -> alert.labels().getOrDefault("instance", ""))
                .collect(Collectors.toSet());
    }

    private interface IoCheck {
        boolean get() throws IOException;
    }

    private static boolean call(IoCheck check) {
        try {
            return check.get();
        } catch (IOException e) {
            return false;
        }
    }
}

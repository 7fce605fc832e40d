package org.redisfailover.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisfailover.app.GroupMetrics;
import org.redisfailover.monitor.Monitor;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.proxy.admin.AdminServer;
import org.redisfailover.proxy.server.ProxyServer;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Transaction;

/**
 * {@code /metrics} of a proxy following ZooKeeper, with its monitor, scraped after traffic and after a
 * {@code kill -9} failover, and parsed by Prometheus' own parser.
 */
@ExtendWith(RedisGroup.class)
class MetricsIT {

    private FailoverFixture fixture;

    @BeforeEach
    void startZooKeeper(RedisGroup group) throws Exception {
        fixture = FailoverFixture.onOwnZooKeeper(group);
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
    }

    @Test
    void trafficAndAFailoverShowInTheScrape(RedisGroup group) throws Exception {
        Monitor monitor = fixture.startMonitor("m1");
        fixture.awaitSeeded();
        ProxyServer proxy = fixture.startProxy("p1");
        GroupMetrics.register(proxy.metrics(), fixture.admin, FailoverFixture.LAYOUT, monitor);
        String master = group.master().address().toString();
        try (AdminServer admin =
                AdminServer.start(new NodeAddress("127.0.0.1", 0), proxy.topology(), proxy.metrics(), null)) {
            Poll.until(
                    Duration.ofSeconds(15),
                    "the proxy to follow the seeded topology",
                    () -> proxy.notReadyReason() == null);
            try (Jedis client = new Jedis("127.0.0.1", proxy.boundAddress().port(), 5000)) {
                for (int i = 0; i < 200; i++) {
                    client.set("metrics:" + i, "v" + i);
                    client.get("metrics:" + i);
                }
                client.ping();
                Transaction multi = client.multi();
                multi.incr("metrics:counter");
                multi.exec();

                // Lag gauges appear once the monitor has probed; the other series are there from the first scrape.
                Poll.until(Duration.ofSeconds(10), "the monitor's lag of both replicas", () -> {
                    try {
                        PrometheusScrape scrape = PrometheusScrape.of(admin.port());
                        return group.replicas().stream()
                                .allMatch(replica -> scrape.value(
                                                "redis_failover_replication_lag_bytes",
                                                "replica",
                                                replica.address().toString())
                                        != null);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                PrometheusScrape traffic = PrometheusScrape.of(admin.port());
                assertEquals("histogram", traffic.type("redis_failover_request_duration_seconds"));
                assertEquals("counter", traffic.type("redis_failover_requests"));
                assertTrue(traffic.required("redis_failover_requests_total", "class", "master") >= 200, "SETs counted");
                assertTrue(traffic.required("redis_failover_requests_total", "class", "read") >= 200, "GETs counted");
                assertTrue(
                        traffic.required("redis_failover_requests_total", "class", "local") >= 1,
                        "PING answered locally");
                assertTrue(
                        traffic.required("redis_failover_requests_total", "class", "pin-transaction") >= 2,
                        "MULTI and EXEC on the client's own connection");
                // About 1 in 8 of the 400 requests is timed, 1 to 15 apart, so some 50: that none is a SET has a
                // probability near 2^-50.
                double sampled = traffic.required("redis_failover_request_duration_seconds_count", "class", "master");
                assertTrue(
                        sampled >= 1 && sampled <= traffic.required("redis_failover_requests_total", "class", "master"),
                        "sampled " + sampled);
                assertEquals(
                        sampled,
                        traffic.required(
                                "redis_failover_request_duration_seconds_bucket", "class", "master", "le", "+Inf"));
                List<PrometheusScrape.Sample> buckets = traffic.samples().stream()
                        .filter(sample -> sample.name().equals("redis_failover_request_duration_seconds_bucket")
                                && "master".equals(sample.labels().get("class")))
                        .sorted(Comparator.comparingDouble(
                                sample -> upperBound(sample.labels().get("le"))))
                        .toList();
                assertEquals(19, buckets.size(), "18 bounds from 25 us to 10 s, and +Inf");
                assertEquals(2.5e-5, upperBound(buckets.get(0).labels().get("le")), 1e-12);
                double previous = 0;
                double median = -1;
                for (PrometheusScrape.Sample bucket : buckets) {
                    assertTrue(bucket.value() >= previous, "cumulative buckets: " + bucket);
                    if (median < 0 && bucket.value() >= sampled / 2) {
                        median = upperBound(bucket.labels().get("le"));
                    }
                    previous = bucket.value();
                }
                assertTrue(median > 0 && median < 1, "a median bucket in seconds, not nanoseconds: " + median);
                double sum = traffic.required("redis_failover_request_duration_seconds_sum", "class", "master");
                assertTrue(sum > 0 && sum < sampled, "the sum in seconds: " + sum);
                assertEquals("counter", traffic.type("redis_failover_backend_requests_sent"));
                assertTrue(traffic.required("redis_failover_backend_requests_sent_total", "node", master) >= 400);
                assertTrue(traffic.required("redis_failover_backend_replies_total", "node", master) >= 400);
                assertEquals("histogram", traffic.type("redis_failover_backend_duration_seconds"));
                assertEquals(0, traffic.required("redis_failover_backend_in_flight", "node", master));
                assertEquals(1, traffic.required("redis_failover_client_connections"));
                assertEquals(
                        1,
                        traffic.required("redis_failover_pinned_connections"),
                        "the transaction's connection, kept for reuse");
                assertTrue(traffic.required("redis_failover_client_bytes_read_total") > 200 * 20);
                assertTrue(traffic.required("redis_failover_client_bytes_written_total") > 200 * 5);
                assertEquals(fixture.topology().epoch(), (long) traffic.required("redis_failover_topology_epoch"));
                assertEquals(1, traffic.required("redis_failover_ready"));
                assertEquals(0, traffic.required("redis_failover_fenced"));
                assertEquals(1, traffic.required("redis_failover_zookeeper_connected"));
                assertEquals(1, traffic.required("redis_failover_monitor_leader"));
                assertEquals(0, traffic.required("redis_failover_master_changes_total", "kind", "failover"));
                assertEquals(0, traffic.required("redis_failover_master_changes_total", "kind", "switchover"));
                assertEquals(1, traffic.required("redis_failover_node_up", "node", master, "role", "master"));
                for (RedisProcess replica : group.replicas()) {
                    assertEquals(
                            1,
                            traffic.required(
                                    "redis_failover_node_up",
                                    "node",
                                    replica.address().toString(),
                                    "role",
                                    "replica"));
                }
                assertEquals(1, traffic.required("redis_failover_build_info"));
                assertTrue(traffic.required("process_resident_memory_bytes") > 0);
                assertTrue(traffic.required("process_open_fds") > 0);
                assertTrue(traffic.required("jvm_threads_current") > 0);
                Poll.until(Duration.ofSeconds(10), "the leader latch read at a scrape", () -> {
                    try {
                        Double elected = PrometheusScrape.of(admin.port()).value("redis_failover_group_leader_elected");
                        return elected != null && elected == 1;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                String groupPath = FailoverFixture.LAYOUT.root();
                traffic.samples()
                        .forEach(sample -> assertEquals(
                                groupPath, sample.labels().get("group"), "every series names its group: " + sample));
                assertEquals(
                        null,
                        traffic.value("redis_failover_last_switch_phase_seconds", "phase", "total"),
                        "no switch yet");
                for (String label : List.of("class", "node", "replica", "phase")) {
                    traffic.samples().forEach(sample -> {
                        String value = sample.labels().get(label);
                        assertTrue(
                                value == null || !value.contains("metrics:"),
                                "a label value from client input: " + sample);
                    });
                }

                long epochBefore = fixture.topology().epoch();
                group.master().kill();
                Topology after = fixture.awaitNewMaster(group.master().address(), Duration.ofSeconds(20));
                Poll.until(
                        Duration.ofSeconds(10),
                        "the proxy to write to the new master",
                        () -> proxy.notReadyReason() == null
                                && after.master().equals(proxy.topology().writableMaster()));
                client.set("metrics:after", "1");
                Poll.until(Duration.ofSeconds(10), "the failover in the scrape", () -> {
                    try {
                        return PrometheusScrape.of(admin.port())
                                        .value("redis_failover_last_switch_phase_seconds", "phase", "total")
                                != null;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                PrometheusScrape failover = PrometheusScrape.of(admin.port());
                assertEquals(1, failover.required("redis_failover_master_changes_total", "kind", "failover"));
                assertEquals(0, failover.required("redis_failover_master_changes_total", "kind", "switchover"));
                assertEquals(
                        1,
                        failover.required(
                                "redis_failover_node_up", "node", after.master().toString(), "role", "master"),
                        "the promoted replica is up as the master, not a replica gone");
                assertEquals(
                        null,
                        failover.value(
                                "redis_failover_node_up", "node", after.master().toString(), "role", "replica"));
                assertTrue(
                        failover.required("redis_failover_topology_epoch") >= epochBefore + 2,
                        "the no-master epoch, then the new master's");
                assertEquals(after.epoch(), (long) failover.required("redis_failover_last_switch_epoch"));
                Poll.until(Duration.ofSeconds(10), "the failover's phases in their histograms", () -> {
                    try {
                        Double total = PrometheusScrape.of(admin.port())
                                .value("redis_failover_switch_phase_duration_seconds_count", "phase", "total");
                        return total != null && total == 1;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                for (String phase : List.of("detection", "decision", "proxies", "promotion", "total")) {
                    double seconds = failover.required("redis_failover_last_switch_phase_seconds", "phase", phase);
                    assertTrue(seconds >= 0 && seconds < 20, phase + ": " + seconds);
                }
                assertTrue(
                        failover.required("redis_failover_last_switch_phase_seconds", "phase", "detection") > 0.1,
                        "three failed probes 100 ms apart");
                assertTrue(failover.required("redis_failover_backend_connection_failures_total", "node", master) >= 1);
                assertTrue(
                        failover.required(
                                        "redis_failover_backend_requests_sent_total",
                                        "node",
                                        after.master().toString())
                                >= 1,
                        "the write after the failover went to the new master");
                assertEquals(
                        null,
                        failover.value(
                                "redis_failover_replication_lag_bytes",
                                "replica",
                                after.master().toString()),
                        "the promoted replica is a master now: its lag gauge is gone");
            }
        }
    }

    /** A bucket's {@code le}, as Prometheus writes it ({@code +Inf} included). */
    private static double upperBound(String le) {
        return "+Inf".equals(le) ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
    }
}

package org.redisfailover.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.redisfailover.it.PrometheusScrape;
import org.redisfailover.testing.FreePort;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;

/**
 * The packaged standalone monitor as an operator runs it: from the proxy's configuration file, logging
 * JSON lines a pipeline takes as they are, and reloading on SIGHUP (systemctl reload) instead of dying.
 */
@ExtendWith(RedisGroup.class)
class MonitorProcessIT {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void aMonitorReadsTheProxysFileLogsJsonAndSurvivesSighup(RedisGroup group, @TempDir Path dir) throws Exception {
        try (TestingServer zooKeeper = new TestingServer(true)) {
            Path config = dir.resolve("proxy.properties");
            int adminPort = FreePort.next();
            String nodes = String.join(
                    ",",
                    group.all().stream()
                            .map(RedisProcess::address)
                            .map(Object::toString)
                            .toList());
            Files.writeString(
                    config,
                    "listen = 127.0.0.1:7379\nzk = " + zooKeeper.getConnectString() + "\nzk-path = /monitored\nredis = "
                            + nodes + "\nlog-format = json\nlog-level = info\nread-policy = master\nadmin = 127.0.0.1:"
                            + adminPort + "\n");
            Path log = dir.resolve("monitor.log");
            Process monitor = new ProcessBuilder(
                            ProxyProcess.javaBinary(),
                            "-Xmx128m",
                            "-jar",
                            ProxyProcess.jar().toString(),
                            "monitor",
                            "--config",
                            config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            try {
                Poll.until(
                        Duration.ofSeconds(30),
                        "the monitor to seed the topology",
                        () -> read(log).contains("seeded the topology"));
                Files.writeString(config, Files.readString(config).replace("log-level = info", "log-level = debug"));
                new ProcessBuilder("kill", "-HUP", Long.toString(monitor.pid()))
                        .inheritIO()
                        .start()
                        .waitFor(10, TimeUnit.SECONDS);
                Poll.until(
                        Duration.ofSeconds(10),
                        "the reload logged",
                        () -> read(log).contains("SIGHUP: log level DEBUG in force"));
                assertTrue(monitor.isAlive(), "SIGHUP does not stop the monitor");

                // A standalone monitor exports metrics too: the leader alerts need them.
                Poll.until(Duration.ofSeconds(20), "the monitor to lead, in its metrics", () -> {
                    try {
                        return PrometheusScrape.of(adminPort).required("redis_failover_monitor_leader") == 1
                                && PrometheusScrape.of(adminPort).required("redis_failover_group_leader_elected") == 1;
                    } catch (Exception | AssertionError e) {
                        return false;
                    }
                });
                PrometheusScrape scrape = PrometheusScrape.of(adminPort);
                assertEquals(
                        "/monitored",
                        scrape.samples().stream()
                                .filter(sample -> sample.name().equals("redis_failover_monitor_leader"))
                                .findFirst()
                                .orElseThrow()
                                .labels()
                                .get("group"));
                assertTrue(scrape.required("process_resident_memory_bytes") > 0);
                assertEquals(1, scrape.required("redis_failover_zookeeper_connected"));

                List<JsonNode> lines = new ArrayList<>();
                for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                    lines.add(MAPPER.readTree(line)); // every line one JSON object, or this throws
                }
                for (JsonNode line : lines) {
                    OffsetDateTime.parse(line.path("@timestamp").asText());
                    assertFalse(line.path("message").asText().contains("{}"), "a formatted message: " + line);
                }
                assertTrue(
                        lines.stream()
                                .anyMatch(line -> line.path("event").asText().equals("reload")),
                        "key-values are fields");
            } finally {
                monitor.destroyForcibly();
                monitor.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}

package org.redisfailover.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.redisfailover.it.PrometheusScrape;
import org.redisfailover.testing.FreePort;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;

/**
 * The packaged proxy ({@code target/redis-failover.jar}) run as users run it: a configuration file
 * changed under load and reloaded with SIGHUP and POST /reload, and its JSON log read back.
 */
@ExtendWith(RedisGroup.class)
class ReloadAndLogsIT {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String SECRET = "pw-Zq81-never-logged";
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void readPolicyReloadsUnderLoadWithoutAClientErrorAndBadReloadsAreRefused(RedisGroup group, @TempDir Path dir)
            throws Exception {
        List<RedisProcess> nodes = List.of(
                group.master(), group.replicas().get(0), group.replicas().get(1));
        for (RedisProcess node : nodes) {
            try (Jedis jedis = node.client()) {
                jedis.aclSetUser("proxy", "on", ">" + SECRET, "~*", "&*", "+@all");
            }
        }
        int port = FreePort.next();
        int adminPort = FreePort.next();
        Path config = dir.resolve("proxy.properties");
        String base = String.join(
                "\n",
                "listen = 127.0.0.1:" + port,
                "master = " + group.master().address(),
                "replica = " + group.replicas().get(0).address() + ","
                        + group.replicas().get(1).address(),
                "admin = 127.0.0.1:" + adminPort,
                "log-format = json",
                "backend-user = proxy",
                "backend-password = " + SECRET,
                "");
        Files.writeString(config, base + "read-policy = master\nlog-level = debug\n");
        Path log = dir.resolve("proxy.log");
        Process proxy = new ProcessBuilder(
                        ProxyProcess.javaBinary(),
                        "-jar",
                        ProxyProcess.jar().toString(),
                        "proxy",
                        "--config",
                        config.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong commands = new AtomicLong();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        List<Thread> load = new ArrayList<>();
        try {
            Poll.until(
                    Duration.ofSeconds(30),
                    "the proxy's admin endpoint to be ready",
                    () -> get(adminPort, "/ready").statusCode() == 200);
            for (int t = 0; t < 4; t++) {
                int worker = t;
                Thread thread = new Thread(
                        () -> {
                            try (Jedis client = new Jedis("127.0.0.1", port, 5000)) {
                                for (long i = 0; running.get(); i++) {
                                    String key = "reload:" + worker + ":" + (i % 100);
                                    client.set(key, "v");
                                    client.get(key);
                                    commands.addAndGet(2);
                                }
                            } catch (RuntimeException e) {
                                errors.add(e.toString());
                            }
                        },
                        "load-" + t);
                thread.start();
                load.add(thread);
            }
            long replicaGets = replicaGets(group);
            Poll.until(Duration.ofSeconds(10), "load through the proxy", () -> commands.get() > 2_000);
            assertEquals(replicaGets, replicaGets(group), "read-policy master: no read on a replica");

            Files.writeString(config, base + "read-policy = prefer-replica\nlog-level = info\n");
            signal(proxy, "HUP");
            Poll.until(
                    Duration.ofSeconds(10),
                    "reads to move to the replicas",
                    () -> replicaGets(group) > replicaGets + 1_000);
            assertEquals(1, scrape(adminPort).required("redis_failover_config_last_reload_successful"));
            double readAt = scrape(adminPort).required("redis_failover_config_last_reload_success_timestamp_seconds");

            Files.writeString(config, base + "read-policy = nearest\nlog-level = info\n");
            HttpResponse<String> invalid = post(adminPort, "/reload");
            assertEquals(400, invalid.statusCode(), invalid.body());
            assertTrue(
                    MAPPER.readTree(invalid.body()).path("error").asText().startsWith("read-policy:"), invalid.body());
            assertEquals(
                    0,
                    scrape(adminPort).required("redis_failover_config_last_reload_successful"),
                    "a refused reload shows");
            assertEquals(
                    readAt, scrape(adminPort).required("redis_failover_config_last_reload_success_timestamp_seconds"));

            Files.writeString(
                    config,
                    base.replace("admin = ", "databases = 32\nadmin = ") + "read-policy = master\nlog-level = info\n");
            HttpResponse<String> restartOnly = post(adminPort, "/reload");
            assertEquals(400, restartOnly.statusCode(), restartOnly.body());
            assertTrue(
                    MAPPER.readTree(restartOnly.body())
                            .path("error")
                            .asText()
                            .startsWith("databases: cannot change while the proxy runs"),
                    restartOnly.body());

            long afterRefusals = replicaGets(group);
            Poll.until(
                    Duration.ofSeconds(10),
                    "reads to stay on the replicas after the refused reloads",
                    () -> replicaGets(group) > afterRefusals + 1_000);
            running.set(false);
            for (Thread thread : load) {
                thread.join(10_000);
            }
            assertTrue(errors.isEmpty(), "client errors: " + errors);
            assertTrue(commands.get() > 4_000, "commands: " + commands.get());
        } finally {
            running.set(false);
            proxy.destroy();
            proxy.waitFor(10, TimeUnit.SECONDS);
            proxy.destroyForcibly();
        }

        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        List<JsonNode> events = new ArrayList<>();
        for (String line : lines) {
            assertFalse(line.contains(SECRET), "the password in the log: " + line);
            events.add(MAPPER.readTree(line)); // every line one JSON object, or this throws
        }
        assertTrue(
                events.stream().anyMatch(event -> event.path("level").asText().equals("DEBUG")),
                "log-level debug at start-up");
        assertTrue(
                events.stream()
                        .anyMatch(event -> event.path("message").asText().equals("configuration reloaded")
                                && event.toString().contains("read-policy")),
                "the reload logged with what changed");
        assertEquals(
                2,
                events.stream()
                        .filter(event -> event.path("message").asText().startsWith("configuration reload refused"))
                        .count());
    }

    private static PrometheusScrape scrape(int adminPort) throws Exception {
        return PrometheusScrape.of(adminPort);
    }

    private static long replicaGets(RedisGroup group) {
        return group.replicas().stream()
                .mapToLong(replica -> replica.calls("get"))
                .sum();
    }

    private HttpResponse<String> get(int adminPort, String path) {
        try {
            return http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> post(int adminPort, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                        .timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void signal(Process process, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                .inheritIO()
                .start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + signal);
    }
}

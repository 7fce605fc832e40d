package org.redisfailover.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Ports;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.ReconnectingClient;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.lifecycle.Startables;
import org.yaml.snakeyaml.Yaml;

/**
 * compose.yaml's topology as containers, as users deploy it: a three-node ZooKeeper ensemble, three Redis nodes
 * and two proxies with their monitors on a container network, and a client outside it, through the published
 * ports, all defined by the repository's compose.yaml (commands, environment, addresses, hosts files), with
 * images built from Debian's packages in place of the official ones. The image's health check passes; a
 * rolling restart of both proxies under load ({@code podman stop}: SIGTERM, then start) gives no client an
 * error and runs every command exactly once; kill -9 of the master's container is failed over with writes
 * going on through both proxies.
 *
 * <p>Run by {@code scripts/container-it}, which builds the three images from Debian's packages (no registry
 * is needed) and serves podman's Docker-compatible API; without it the test is skipped.
 */
@EnabledIfEnvironmentVariable(
        named = "CONTAINER_IT_PROXY_IMAGE",
        matches = ".+",
        disabledReason = "run by scripts/container-it")
class ComposeTopologyIT {

    private static final int CLIENTS = 6;

    /** The services of the repository's compose.yaml: the test runs what it says, so the two cannot drift apart. */
    private final Map<String, Map<String, Object>> compose = composeServices();

    private final Network network = Network.builder()
            .createNetworkCmdModifier(create -> create.withIpam(new com.github.dockerjava.api.model.Network.Ipam()
                    .withConfig(new com.github.dockerjava.api.model.Network.Ipam.Config().withSubnet(composeSubnet()))))
            .build();
    private final List<GenericContainer<?>> containers = new ArrayList<>();
    private final DockerClient docker = DockerClientFactory.instance().client();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** Each container's log goes to target/container-logs (CI keeps target/), its end to the test's output. */
    @AfterEach
    void stopAll() throws IOException {
        Path logs = Files.createDirectories(Path.of("target", "container-logs"));
        for (GenericContainer<?> container : containers) {
            if (container.getContainerId() == null) {
                continue; // never created
            }
            String alias = container
                    .getNetworkAliases()
                    .get(container.getNetworkAliases().size() - 1);
            String log = container.getLogs();
            Files.writeString(logs.resolve(alias + ".log"), log);
            System.out.println(
                    "---- " + alias + " (whole log in " + logs.resolve(alias + ".log") + ")\n" + tail(log, 20));
        }
        containers.forEach(GenericContainer::stop);
        network.close();
    }

    @Test
    void theComposeTopologyFailsOverAndRestartsProxiesWithoutClientErrors() throws Exception {
        List<GenericContainer<?>> ensemble = List.of(zooKeeper(1), zooKeeper(2), zooKeeper(3));
        Startables.deepStart(ensemble).join();
        GenericContainer<?> redis1 = redis("redis-1");
        redis1.start();
        List<GenericContainer<?>> replicas = List.of(redis("redis-2"), redis("redis-3"));
        Startables.deepStart(replicas).join();
        List<GenericContainer<?>> proxies = List.of(proxy("proxy-1"), proxy("proxy-2"));
        Startables.deepStart(proxies).join();
        AtomicIntegerArray clientPorts = new AtomicIntegerArray(proxies.size());
        for (int p = 0; p < proxies.size(); p++) {
            clientPorts.set(p, proxies.get(p).getMappedPort(7379));
        }

        for (GenericContainer<?> proxy : proxies) {
            Container.ExecResult check = proxy.execInContainer(healthCheck(proxy));
            assertEquals(
                    0, check.getExitCode(), "the image's HEALTHCHECK in " + proxy.getNetworkAliases() + ": " + check);
        }
        // The replicas' first full sync takes repl-diskless-sync-delay (5 s); until a replica acknowledges, the
        // replication guard holds writes and /ready says why. The steady group is ready.
        for (GenericContainer<?> replica : replicas) {
            Poll.until(Duration.ofSeconds(60), replica.getNetworkAliases() + " in sync", () -> inSync(replica));
        }
        for (GenericContainer<?> proxy : proxies) {
            int admin = proxy.getMappedPort(9121);
            Poll.until(
                    Duration.ofSeconds(10),
                    proxy.getNetworkAliases() + " ready with the group in sync",
                    () -> status(admin, "/ready") == 200);
        }

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong resent = new AtomicLong();
        AtomicLongArray acknowledged = new AtomicLongArray(CLIENTS);
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        List<IntSupplier> ports = List.of(() -> clientPorts.get(0), () -> clientPorts.get(1));
        List<Thread> load = startLoad(ports, running, resent, acknowledged, errors, "roll:");
        try {
            awaitProgress(acknowledged, 1_000, "load through both proxies");
            long restartStarted = System.nanoTime();
            StringBuilder stops = new StringBuilder();
            for (int p = 0; p < proxies.size(); p++) {
                GenericContainer<?> proxy = proxies.get(p);
                long stopAt = System.nanoTime();
                docker.stopContainerCmd(proxy.getContainerId()).withTimeout(20).exec(); // SIGTERM, as podman stop sends
                InspectContainerResponse stopped =
                        docker.inspectContainerCmd(proxy.getContainerId()).exec();
                assertEquals(
                        0L,
                        stopped.getState().getExitCodeLong(),
                        proxy.getNetworkAliases() + " exit status after SIGTERM");
                stops.append(' ')
                        .append((System.nanoTime() - stopAt) / 1_000_000)
                        .append(" ms");
                docker.startContainerCmd(proxy.getContainerId()).exec();
                int admin = mappedPort(proxy, 9121);
                clientPorts.set(p, mappedPort(proxy, 7379));
                Poll.until(
                        Duration.ofSeconds(60),
                        proxy.getNetworkAliases() + " ready again",
                        () -> status(admin, "/ready") == 200);
                awaitProgress(acknowledged, 1_000, "load after restarting " + proxy.getNetworkAliases());
            }
            long restartMillis = (System.nanoTime() - restartStarted) / 1_000_000;
            running.set(false);
            joinAll(load);
            assertTrue(errors.isEmpty(), "client errors in the rolling restart: " + errors);
            for (int c = 0; c < CLIENTS; c++) {
                try (ReconnectingClient reader = new ReconnectingClient(ports, c, new AtomicLong())) {
                    assertEquals(
                            "$" + Long.toString(acknowledged.get(c)).length() + "\r\n" + acknowledged.get(c) + "\r\n",
                            reader.call("GET", "roll:" + c),
                            "client " + c + ": each increment ran exactly once");
                }
            }
            System.out.printf(
                    "containers, rolling restart of 2 proxies under %d clients: %d commands acknowledged, 0 errors, %d resent "
                            + "after a connection ended at rest, stop (SIGTERM to exit):%s, %d ms in all%n",
                    CLIENTS, total(acknowledged), resent.get(), stops, restartMillis);
        } finally {
            running.set(false);
            joinAll(load);
        }

        // kill -9 of the master's container under load: a replica is promoted, writes go on through both proxies.
        running.set(true);
        AtomicLongArray afterKill = new AtomicLongArray(CLIENTS);
        ConcurrentLinkedQueue<String> failoverErrors = new ConcurrentLinkedQueue<>();
        load = startLoad(ports, running, resent, afterKill, failoverErrors, "failover:");
        try {
            awaitProgress(afterKill, 1_000, "load before the failover");
            long killAt = System.nanoTime();
            docker.killContainerCmd(redis1.getContainerId()).exec();
            long before = total(afterKill);
            Poll.until(
                    Duration.ofSeconds(60),
                    "writes after the master's container was killed",
                    () -> total(afterKill) > before + 2_000);
            long resumedMillis = (System.nanoTime() - killAt) / 1_000_000;
            running.set(false);
            joinAll(load);
            String promoted = null;
            for (GenericContainer<?> replica : replicas) {
                if (replica.execInContainer("redis-cli", "role").getStdout().startsWith("master")) {
                    promoted = replica.getNetworkAliases().toString();
                }
            }
            assertTrue(promoted != null, "a replica was promoted");
            // The clients stay connected and get only honest answers: UNCERTAIN for the write in flight when the master
            // died, and, should the failover outlast hold-timeout-ms, "no master available" for a write never sent. A
            // container that is killed goes silent (its address stops answering), which the monitors take
            // slow-down-after (3 s) to believe, against the 5 s hold timeout.
            long uncertain = failoverErrors.stream()
                    .filter(error -> error.startsWith("-UNCERTAIN"))
                    .count();
            long neverSent = failoverErrors.stream()
                    .filter(error -> error.startsWith("-ERR redis-failover: no master available"))
                    .count();
            assertEquals(
                    failoverErrors.size(),
                    uncertain + neverSent,
                    "errors other than the honest ones: " + failoverErrors);
            assertTrue(uncertain <= CLIENTS, "more than one uncertain write per client: " + failoverErrors);
            System.out.printf(
                    "containers, kill -9 of the master: %s promoted, writes through both proxies again after %d ms, %d in-flight "
                            + "writes UNCERTAIN, %d held past the hold timeout, no other error%n",
                    promoted, resumedMillis, uncertain, neverSent);
        } finally {
            running.set(false);
            joinAll(load);
        }
    }

    /** zk{id} as compose.yaml has it (the official image's variables, which the Debian-built one takes too). */
    private GenericContainer<?> zooKeeper(int id) {
        GenericContainer<?> container = container("CONTAINER_IT_ZOOKEEPER_IMAGE", "zk" + id)
                .waitingFor(Wait.forLogMessage(".*Peer state changed: (leading|following).*", 1)
                        .withStartupTimeout(Duration.ofSeconds(90)));
        @SuppressWarnings("unchecked")
        Map<String, Object> environment =
                (Map<String, Object>) compose.get("zk" + id).get("environment");
        environment.forEach((name, value) -> container.withEnv(name, String.valueOf(value)));
        return container;
    }

    /** A Redis node with compose.yaml's command (the image's entry point is redis-server, as the official image's). */
    private GenericContainer<?> redis(String name) {
        List<String> command = command(name);
        assertEquals("redis-server", command.get(0));
        return container("CONTAINER_IT_REDIS_IMAGE", name)
                .withCommand(command.subList(1, command.size()).toArray(String[]::new))
                .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*", 1));
    }

    private GenericContainer<?> proxy(String name) {
        return container("CONTAINER_IT_PROXY_IMAGE", name)
                .withCommand(command(name).toArray(String[]::new))
                .withExposedPorts(7379, 9121)
                .waitingFor(Wait.forHttp("/ready")
                        .forPort(9121)
                        .forStatusCode(200)
                        .withStartupTimeout(Duration.ofSeconds(90)));
    }

    @SuppressWarnings("unchecked")
    private List<String> command(String service) {
        return ((List<Object>) compose.get(service).get("command"))
                .stream().map(String::valueOf).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> composeServices() {
        return (Map<String, Map<String, Object>>) composeFile().get("services");
    }

    /** The subnet of compose.yaml's default network, which the Redis nodes' fixed addresses are in. */
    @SuppressWarnings("unchecked")
    private static String composeSubnet() {
        Map<String, Object> network =
                ((Map<String, Map<String, Object>>) composeFile().get("networks")).get("default");
        return ((List<Map<String, String>>) ((Map<String, Object>) network.get("ipam")).get("config"))
                .get(0)
                .get("subnet");
    }

    private static Map<String, Object> composeFile() {
        try (Reader file = Files.newBufferedReader(Path.of("..", "compose.yaml"))) {
            return new Yaml().load(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A container of the image named by {@code imageVariable}, on the network as the compose service {@code service} is:
     * its alias, its fixed address and its hosts-file entries, if it has them; within this machine's limits.
     */
    @SuppressWarnings("unchecked")
    private GenericContainer<?> container(String imageVariable, String service) {
        Map<String, Object> definition = compose.get(service);
        Map<String, Map<String, String>> networks =
                (Map<String, Map<String, String>>) definition.getOrDefault("networks", Map.of());
        String address = networks.getOrDefault("default", Map.of()).get("ipv4_address");
        GenericContainer<?> container = new GenericContainer<>(System.getenv(imageVariable))
                .withNetwork(network)
                .withNetworkAliases(service)
                .withCreateContainerCmdModifier(create -> {
                    // The engine's default limits exceed what this machine grants a process.
                    create.getHostConfig()
                            .withUlimits(List.of(
                                    new com.github.dockerjava.api.model.Ulimit("nofile", 4096L, 4096L),
                                    new com.github.dockerjava.api.model.Ulimit("nproc", 4096L, 4096L)));
                    if (address != null) {
                        create.withIpv4Address(address);
                    }
                });
        for (Object entry : (List<Object>) definition.getOrDefault("extra_hosts", List.of())) {
            String[] nameAndAddress = String.valueOf(entry).split(":", 2);
            container.withExtraHost(nameAndAddress[0], nameAndAddress[1]);
        }
        containers.add(container);
        return container;
    }

    /**
     * The image's own HEALTHCHECK command, to run in the container: the engine here runs no health-check timers, and
     * its Docker-compatible API shows the check in the container's configuration, not the image's.
     */
    private String[] healthCheck(GenericContainer<?> container) {
        List<String> test = docker.inspectContainerCmd(container.getContainerId())
                .exec()
                .getConfig()
                .getHealthcheck()
                .getTest();
        assertEquals("CMD", test.get(0), "the image's HEALTHCHECK form: " + test);
        return test.subList(1, test.size()).toArray(String[]::new);
    }

    private static boolean inSync(GenericContainer<?> replica) {
        try {
            return replica.execInContainer("redis-cli", "info", "replication")
                    .getStdout()
                    .contains("master_link_status:up");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The host port a (restarted) container publishes {@code port} on now. */
    private int mappedPort(GenericContainer<?> container, int port) {
        Ports.Binding[] bindings = docker.inspectContainerCmd(container.getContainerId())
                .exec()
                .getNetworkSettings()
                .getPorts()
                .getBindings()
                .get(ExposedPort.tcp(port));
        return Integer.parseInt(bindings[0].getHostPortSpec());
    }

    private int status(int port, String path) {
        return Integer.parseInt(get(port, path).split(" ", 2)[0]);
    }

    /** The status of {@code GET path}, followed by the body unless the status is 200; -1 when nothing answers. */
    private String get(int port, String path) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(2))
                    .build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? "200" : response.statusCode() + " " + response.body();
        } catch (IOException e) {
            return "-1";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "-1";
        }
    }

    /** {@link #CLIENTS} threads, each incrementing its own counter through whichever proxy accepts it. */
    private static List<Thread> startLoad(
            List<IntSupplier> ports,
            AtomicBoolean running,
            AtomicLong resent,
            AtomicLongArray acknowledged,
            ConcurrentLinkedQueue<String> errors,
            String prefix) {
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int id = c;
            Thread thread = new Thread(
                    () -> {
                        try (ReconnectingClient client = new ReconnectingClient(ports, id, resent)) {
                            for (long n = 0; running.get() && n < 10_000_000; n++) {
                                String reply = client.call("INCR", prefix + id);
                                if (reply.startsWith(":")) {
                                    acknowledged.incrementAndGet(id);
                                } else {
                                    errors.add(reply.trim());
                                }
                            }
                        } catch (IOException | RuntimeException e) {
                            errors.add(e.toString());
                        }
                    },
                    "load-" + prefix + c);
            thread.start();
            threads.add(thread);
        }
        return threads;
    }

    private static void awaitProgress(AtomicLongArray counts, long more, String what) {
        long before = total(counts);
        Poll.until(Duration.ofSeconds(60), what, () -> total(counts) > before + more);
    }

    private static void joinAll(List<Thread> threads) throws InterruptedException {
        for (Thread thread : threads) {
            thread.join(30_000);
        }
    }

    private static long total(AtomicLongArray counts) {
        long sum = 0;
        for (int i = 0; i < counts.length(); i++) {
            sum += counts.get(i);
        }
        return sum;
    }

    private static String tail(String log, int lines) {
        List<String> all = log.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }
}

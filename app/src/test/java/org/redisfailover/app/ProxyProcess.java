package org.redisfailover.app;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.redisfailover.testing.FreePort;
import org.redisfailover.testing.Poll;

/** The packaged proxy ({@code target/redis-failover.jar}) as a process, with its client port and admin endpoint on free ports. */
final class ProxyProcess implements AutoCloseable {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final int port = FreePort.next();
    final int adminPort = FreePort.next();
    private final List<String> args;
    private final Path log;
    private Process process;

    ProxyProcess(Path log, String... args) {
        this.log = log;
        this.args = List.of(args);
    }

    /** Starts it (again) and waits until /ready says 200. */
    ProxyProcess start() throws IOException {
        launch();
        Poll.until(Duration.ofSeconds(30), "the proxy on " + port + " to be ready", () -> ready() == 200);
        return this;
    }

    /** Starts it (again), without waiting. */
    ProxyProcess launch() throws IOException {
        List<String> command = new ArrayList<>(List.of(
                javaBinary(),
                "-Xmx256m",
                "-jar",
                jar().toString(),
                "proxy",
                "--listen",
                "127.0.0.1:" + port,
                "--admin",
                "127.0.0.1:" + adminPort));
        command.addAll(args);
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        return this;
    }

    /** The admin endpoint's /health status, or -1 when it does not answer. */
    int health() {
        return status(get("/health"));
    }

    /** /ready's status, or -1 when the admin endpoint does not answer. */
    int ready() {
        return status(readyResponse());
    }

    HttpResponse<String> readyResponse() {
        return get("/ready");
    }

    /** GET of an admin path, or null when the endpoint does not answer. */
    private HttpResponse<String> get(String path) {
        try {
            return HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                            .timeout(Duration.ofSeconds(2))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static int status(HttpResponse<String> response) {
        return response == null ? -1 : response.statusCode();
    }

    void signal(String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                .inheritIO()
                .start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + signal);
    }

    /** Waits up to {@code timeout} for the process to exit; its exit code, or -1 if it still runs. */
    int awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The java that runs the tests, for the processes they start. */
    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Built by the package phase, which runs before the integration tests. */
    static Path jar() {
        Path jar = Path.of("target", "redis-failover.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(
                    jar.toAbsolutePath() + " is missing: run the integration tests with 'mvn verify'");
        }
        return jar;
    }
}

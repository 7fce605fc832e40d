package org.redisfailover.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.redisfailover.protocol.tls.ThrowawayPki;
import org.redisfailover.protocol.topology.NodeAddress;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * A real redis-server process on a free loopback port, in its own directory, without persistence.
 * Can be killed (SIGKILL), paused (SIGSTOP), resumed and restarted on the same port.
 */
public final class RedisProcess implements AutoCloseable {

    private final String binary;
    private final int port;
    private final Path dir;
    private final List<String> extraArgs;
    /** Non-null: the node listens only on a TLS port ({@code port}), with these certificates. */
    private final ThrowawayPki tls;
    /** Non-null: the node's requirepass (and masterauth), which {@link #client()} authenticates with. */
    private final String password;

    private Process process;

    private RedisProcess(String binary, int port, Path dir, List<String> extraArgs, ThrowawayPki tls, String password) {
        this.binary = binary;
        this.port = port;
        this.dir = dir;
        this.extraArgs = extraArgs;
        this.tls = tls;
        this.password = password;
    }

    /** Starts a node; {@code replicaOf} null for a master. Fails with a clear message without redis-server. */
    public static RedisProcess start(Path parentDir, RedisProcess replicaOf, String... extraArgs) {
        requireRedisServer();
        return start("redis-server", parentDir, replicaOf, extraArgs);
    }

    /** Starts a node of another server binary that takes redis-server's arguments (valkey-server). */
    public static RedisProcess start(String binary, Path parentDir, RedisProcess replicaOf, String... extraArgs) {
        return start(binary, parentDir, replicaOf, null, null, extraArgs);
    }

    /**
     * Starts a node that speaks only TLS on its port ({@code --port 0 --tls-port}), replicating over TLS and
     * asking clients for a certificate; {@link #client()} connects with the client certificate.
     */
    public static RedisProcess startTls(
            Path parentDir, RedisProcess replicaOf, ThrowawayPki certificates, String... extraArgs) {
        return startSecured(parentDir, replicaOf, null, certificates, extraArgs);
    }

    /**
     * Starts a node with {@code requirepass} and {@code masterauth} set to {@code password} (null: none), on a
     * TLS-only port when {@code certificates} is not null.
     */
    public static RedisProcess startSecured(
            Path parentDir, RedisProcess replicaOf, String password, ThrowawayPki certificates, String... extraArgs) {
        requireRedisServer();
        return start("redis-server", parentDir, replicaOf, certificates, password, extraArgs);
    }

    private static RedisProcess start(
            String binary,
            Path parentDir,
            RedisProcess replicaOf,
            ThrowawayPki tls,
            String password,
            String... extraArgs) {
        int port = List.of(extraArgs).contains("--cluster-enabled") ? FreePort.forClusterNode() : FreePort.next();
        try {
            Path dir = Files.createDirectories(parentDir.resolve("redis-" + port));
            List<String> args = new ArrayList<>(List.of(extraArgs));
            if (replicaOf != null) {
                args.addAll(List.of("--replicaof", "127.0.0.1", Integer.toString(replicaOf.port())));
            }
            if (tls != null) {
                args.addAll(tls.redisArgs());
            }
            if (password != null) {
                args.addAll(List.of("--requirepass", password, "--masterauth", password));
            }
            RedisProcess redis = new RedisProcess(binary, port, dir, List.copyOf(args), tls, password);
            redis.launch();
            return redis;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether {@code binary} is an executable on PATH. */
    public static boolean onPath(String binary) {
        for (String entry : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(entry, binary))) {
                return true;
            }
        }
        return false;
    }

    static void requireRedisServer() {
        if (onPath("redis-server")) {
            return;
        }
        throw new IllegalStateException("redis-server not found on PATH: integration tests need a real Redis "
                + "(Debian: apt-get install -y redis-server; scripts/test installs it)");
    }

    private void launch() throws IOException {
        List<String> ports = tls == null
                ? List.of("--port", Integer.toString(port))
                : List.of("--port", "0", "--tls-port", Integer.toString(port));
        List<String> command = new ArrayList<>(List.of(binary, "--bind", "127.0.0.1"));
        command.addAll(ports);
        command.addAll(List.of(
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                dir.toString(),
                "--logfile",
                dir.resolve("redis.log").toString(),
                "--daemonize",
                "no",
                "--protected-mode",
                "no"));
        command.addAll(extraArgs);
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("stdout.log").toFile())
                .start();
        Poll.until(Duration.ofSeconds(10), binary + " on port " + port + " to answer PING", () -> {
            try (Jedis jedis = client()) {
                return "PONG".equals(jedis.ping());
            }
        });
    }

    public int port() {
        return port;
    }

    public NodeAddress address() {
        return new NodeAddress("127.0.0.1", port);
    }

    /** A direct connection (bypassing the proxy), for setup and checks. */
    public Jedis client() {
        if (tls == null && password == null) {
            return new Jedis("127.0.0.1", port, 2000);
        }
        DefaultJedisClientConfig.Builder config =
                DefaultJedisClientConfig.builder().timeoutMillis(2000).password(password);
        if (tls != null) {
            config.ssl(true).sslSocketFactory(tls.socketFactory(true));
        }
        return new Jedis(new HostAndPort("127.0.0.1", port), config.build());
    }

    /** Calls of {@code command} counted by INFO commandstats: which node served what. */
    public long calls(String command) {
        try (Jedis jedis = client()) {
            for (String line : jedis.info("commandstats").split("\r\n")) {
                if (line.startsWith("cmdstat_" + command + ":calls=")) {
                    return Long.parseLong(line.substring(line.indexOf('=') + 1, line.indexOf(',')));
                }
            }
            return 0;
        }
    }

    /** Waits until this replica's link to its master is up and it has caught up with the master's offset. */
    public void awaitReplicationFrom(RedisProcess master) {
        Poll.until(Duration.ofSeconds(20), "replica " + port + " to sync from " + master.port(), () -> {
            try (Jedis replica = client();
                    Jedis primary = master.client()) {
                String info = replica.info("replication");
                long masterOffset = field(primary.info("replication"), "master_repl_offset");
                return info.contains("master_link_status:up") && field(info, "slave_repl_offset") >= masterOffset;
            }
        });
    }

    private static long field(String info, String name) {
        for (String line : info.split("\r\n")) {
            if (line.startsWith(name + ":")) {
                return Long.parseLong(line.substring(name.length() + 1).trim());
            }
        }
        return -1;
    }

    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public void pause() {
        signal("STOP");
    }

    public void resume() {
        signal("CONT");
    }

    /** Starts the process again on the same port after {@link #kill()}. */
    public void restart() {
        try {
            launch();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                    .inheritIO()
                    .start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            signal("CONT");
            kill();
        }
    }
}

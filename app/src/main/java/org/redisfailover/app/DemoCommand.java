package org.redisfailover.app;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.server.embedded.ExitHandler;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;
import org.redisfailover.monitor.NodeAccess;
import org.redisfailover.protocol.tls.BackendTls;
import org.redisfailover.protocol.tls.ThrowawayPki;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.protocol.topology.ZkLayout;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.config.ZooKeeperSettings;
import org.redisfailover.proxy.server.ProxyServer;
import org.redisfailover.proxy.tls.ListenerTls;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * {@code redis-failover demo}: an embedded ZooKeeper, three local redis-server processes, the proxy
 * with its monitor, a client writing through the proxy, and a {@code kill -9} of the master that the
 * user watches recover.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Runs a local failover demo (needs redis-server on PATH; scripts/demo installs it).")
public final class DemoCommand implements Callable<Integer> {

    @Option(
            names = "--listen",
            defaultValue = "127.0.0.1:7379",
            description = "Proxy address (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--hold", description = "Keep everything running after the demo until Ctrl-C.")
    boolean hold;

    @Option(
            names = "--cluster",
            description = "Cluster mode: a 3-master, 3-replica Redis Cluster behind the proxy, a master killed and "
                    + "1000 slots resharded under a writing client (docs/CLUSTER.md).")
    boolean cluster;

    @Option(
            names = "--tls",
            description = "Everything over TLS: TLS-only nodes (tls-port, client certificates, tls-replication), "
                    + "the proxy's and the monitor's connections to them, and the demo's client on the proxy's TLS port; certificates "
                    + "from a throw-away CA (needs openssl).")
    boolean tls;

    private final List<Process> redis = new ArrayList<>();
    /** With --tls: the certificates, and how the demo reaches the nodes. */
    private ThrowawayPki pki;

    private NodeAccess nodeAccess = NodeAccess.PLAIN;

    @Override
    public Integer call() throws Exception {
        if (cluster) {
            return new ClusterDemo(listen).run();
        }
        Path dir = Files.createTempDirectory("redis-failover-demo-");
        int zkPort = freePort();
        List<Integer> ports = List.of(freePort(), freePort(), freePort());
        BackendTls backendTls = null;
        if (tls) {
            pki = ThrowawayPki.generate(dir.resolve("pki"));
            backendTls = new BackendTls(pki.caCert, pki.clientCert, pki.clientKey, true);
            nodeAccess = new NodeAccess(null, null, backendTls);
            say("TLS everywhere: a throw-away CA and certificates in %s", pki.dir);
        }
        say("Starting an embedded ZooKeeper on 127.0.0.1:%d", zkPort);
        try (ZooKeeperServerEmbedded zooKeeper = startZooKeeper(dir, zkPort)) {
            say("Starting redis-server: master :%d, replicas :%d and :%d", ports.get(0), ports.get(1), ports.get(2));
            for (int i = 0; i < 3; i++) {
                startRedis(dir, ports.get(i), i == 0 ? null : ports.get(0));
            }
            List<NodeAddress> nodes = ports.stream()
                    .map(port -> new NodeAddress("127.0.0.1", port))
                    .toList();
            ZooKeeperSettings zk =
                    new ZooKeeperSettings("127.0.0.1:" + zkPort, new ZkLayout("/demo"), Duration.ofSeconds(6));
            NodeAddress listenAddress = NodeAddress.parse(listen);
            ProxyConfig.Builder builder =
                    ProxyConfig.builder(listenAddress, null, List.of()).zooKeeper(zk);
            if (tls) {
                builder.backendTls(backendTls)
                        .tls(new ListenerTls(
                                new NodeAddress(listenAddress.host(), 0),
                                pki.serverCert,
                                pki.serverKey,
                                pki.caCert,
                                ListenerTls.AuthClients.YES,
                                ListenerTls.DEFAULT_PROTOCOLS,
                                List.of()));
            }
            ProxyConfig config = builder.build();
            try (ProxyServer proxy = new ProxyServer(config).start()) {
                MonitorOptions monitorOptions = new MonitorOptions();
                Runnable stopZooKeeperSide = ZooKeeperFollowing.start(
                                config, proxy, nodes, monitorOptions, ZkAccess.OPEN)
                        .stop();
                try {
                    int result = tour(proxy, nodes, dir, zk);
                    try (CuratorFramework client = ZooKeeperClients.connect(
                            zk.connectString(), zk.sessionTimeout(), ZkAccess.OPEN, zk.layout())) {
                        say(
                                "%n$ redis-failover status --zk %s -p %s%n%s",
                                zk.connectString(),
                                zk.layout().root(),
                                StatusCommand.text(StatusCommand.collect(client, zk.layout(), 10, nodeAccess)));
                    }
                    if (hold) {
                        say(
                                "Running until Ctrl-C: try %s",
                                tls
                                        ? "redis-cli --tls --cacert " + pki.caCert + " --cert " + pki.clientCert
                                                + " --key " + pki.clientKey + " -p "
                                                + proxy.boundTlsAddress().port()
                                        : "redis-cli -p " + proxy.boundAddress().port());
                        new CountDownLatch(1).await();
                    }
                    return result;
                } finally {
                    stopZooKeeperSide.run();
                }
            }
        } finally {
            redis.forEach(Process::destroyForcibly);
        }
    }

    private int tour(ProxyServer proxy, List<NodeAddress> nodes, Path dir, ZooKeeperSettings zk) throws Exception {
        waitFor(Duration.ofSeconds(20), () -> proxy.topology().current().master() != null);
        Topology first = proxy.topology().current();
        say(
                "The monitor seeded the topology: epoch %d, master %s, replicas %s",
                first.epoch(), first.master(), first.replicas());
        say(
                "A client writes through the proxy (%s) every 10 ms; then the master gets kill -9.",
                tls ? proxy.boundTlsAddress() + ", TLS with a client certificate" : proxy.boundAddress());

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong acked = new AtomicLong();
        Queue<Long> ackedKeys = new ConcurrentLinkedQueue<>();
        AtomicLong errors = new AtomicLong();
        AtomicLong uncertain = new AtomicLong();
        AtomicLong dropped = new AtomicLong();
        AtomicLong lastAckNanos = new AtomicLong();
        AtomicLong longestGapNanos = new AtomicLong();
        Thread writer = new Thread(
                () -> writeLoop(
                        () -> proxyClient(proxy),
                        stop,
                        acked,
                        ackedKeys,
                        errors,
                        uncertain,
                        dropped,
                        lastAckNanos,
                        longestGapNanos),
                "demo-writer");
        writer.start();
        try {
            for (int i = 0; i < 6; i++) {
                Thread.sleep(500);
                status(proxy, acked, errors);
            }
            NodeAddress oldMaster = proxy.topology().current().master();
            int index = nodes.indexOf(oldMaster);
            say(">>> kill -9 of the master %s", oldMaster);
            redis.get(index).destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            longestGapNanos.set(0);
            for (int i = 0; i < 8; i++) {
                Thread.sleep(500);
                status(proxy, acked, errors);
            }
            Topology after = proxy.topology().current();
            say(
                    "New master %s at epoch %d. Longest wait for a write ack during the switch: %d ms; error replies: %d; "
                            + "writes of unknown outcome: %d (only a write in flight on the master at the kill: it may or may not "
                            + "have been applied); client connections dropped: %d",
                    after.master(),
                    after.epoch(),
                    TimeUnit.NANOSECONDS.toMillis(longestGapNanos.get()),
                    errors.get(),
                    uncertain.get(),
                    dropped.get());
            say(">>> restarting the old master %s: the monitor demotes it before anything is routed to it", oldMaster);
            startRedis(dir, oldMaster.port(), null, index);
            boolean rejoined = waitFor(
                    Duration.ofSeconds(20),
                    () -> proxy.topology().current().replicas().contains(oldMaster));
            Topology last = proxy.topology().current();
            say(
                    rejoined
                            ? "%s rejoined as a replica: epoch %d, master %s, replicas %s"
                            : "%s has not rejoined yet: epoch %d, master %s, replicas %s",
                    oldMaster,
                    last.epoch(),
                    last.master(),
                    last.replicas());
            if (!rejoined) {
                return 1;
            }
            say(
                    ">>> a planned switchover back to %s, under the same write load:%n$ redis-failover switchover --zk %s -p %s --to %s",
                    oldMaster, zk.connectString(), zk.layout().root(), oldMaster);
            long errorsBefore = errors.get() + uncertain.get() + dropped.get();
            longestGapNanos.set(0);
            int switched = new CommandLine(new SwitchoverCommand())
                    .execute(
                            "--zk", zk.connectString(), "--zk-path", zk.layout().root(), "--to", oldMaster.toString());
            Thread.sleep(500);
            say(
                    "Longest wait for a write ack around the switchover: %d ms; new errors, uncertain writes or dropped connections: %d",
                    TimeUnit.NANOSECONDS.toMillis(longestGapNanos.get()),
                    errors.get() + uncertain.get() + dropped.get() - errorsBefore);
            stop.set(true);
            writer.join(5_000);
            NodeAddress master = proxy.topology().current().master();
            long missing = 0;
            try (Jedis check = nodeClient(master.port(), 5_000)) {
                Pipeline pipeline = check.pipelined();
                List<Response<String>> values = new ArrayList<>();
                List<Long> keys = new ArrayList<>(ackedKeys);
                keys.forEach(key -> values.add(pipeline.get("demo:" + key)));
                pipeline.sync();
                for (int k = 0; k < keys.size(); k++) {
                    missing += Long.toString(keys.get(k)).equals(values.get(k).get()) ? 0 : 1;
                }
                say(
                        "Every acknowledged write read back from the master %s: %d acknowledged, %d missing.",
                        master, keys.size(), missing);
            }
            return switched != 0 || missing != 0 ? 1 : 0;
        } finally {
            stop.set(true);
            writer.join(5_000);
        }
    }

    /** The demo's client of the proxy: on its TLS port with the client certificate under --tls. */
    private Jedis proxyClient(ProxyServer proxy) {
        if (!tls) {
            return new Jedis(proxy.boundAddress().host(), proxy.boundAddress().port(), 10_000);
        }
        NodeAddress address = proxy.boundTlsAddress();
        return new Jedis(
                new HostAndPort(address.host(), address.port()),
                DefaultJedisClientConfig.builder()
                        .timeoutMillis(10_000)
                        .ssl(true)
                        .sslSocketFactory(pki.socketFactory(true))
                        .build());
    }

    /** A direct connection to a node (TLS under --tls). */
    private Jedis nodeClient(int port, int timeoutMillis) {
        return new Jedis(
                new HostAndPort("127.0.0.1", port), nodeAccess.clientConfig(timeoutMillis, "redis-failover-demo"));
    }

    private static void writeLoop(
            Supplier<Jedis> connect,
            AtomicBoolean stop,
            AtomicLong acked,
            Queue<Long> ackedKeys,
            AtomicLong errors,
            AtomicLong uncertain,
            AtomicLong dropped,
            AtomicLong lastAckNanos,
            AtomicLong longestGapNanos) {
        Jedis jedis = connect.get();
        try {
            for (long i = 0; !stop.get(); i++) {
                try {
                    jedis.set("demo:" + i, Long.toString(i));
                    long now = System.nanoTime();
                    long previous = lastAckNanos.getAndSet(now);
                    if (previous != 0) {
                        longestGapNanos.accumulateAndGet(now - previous, Math::max);
                    }
                    acked.incrementAndGet();
                    ackedKeys.add(i);
                } catch (JedisConnectionException e) {
                    dropped.incrementAndGet();
                    jedis.close();
                    jedis = connect.get();
                } catch (JedisException e) {
                    (String.valueOf(e.getMessage()).startsWith("UNCERTAIN ") ? uncertain : errors).incrementAndGet();
                }
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            jedis.close();
        }
    }

    private static void status(ProxyServer proxy, AtomicLong acked, AtomicLong errors) {
        Topology topology = proxy.topology().current();
        say(
                "    writes acked %6d   errors %d   epoch %d   master %s",
                acked.get(),
                errors.get(),
                topology.epoch(),
                topology.master() == null ? "(switching)" : topology.master());
    }

    private static ZooKeeperServerEmbedded startZooKeeper(Path dir, int port) throws Exception {
        Properties properties = new Properties();
        properties.setProperty("clientPort", Integer.toString(port));
        properties.setProperty("clientPortAddress", "127.0.0.1");
        properties.setProperty("tickTime", "500");
        properties.setProperty("admin.enableServer", "false");
        ZooKeeperServerEmbedded server = ZooKeeperServerEmbedded.builder()
                .baseDir(Files.createDirectories(dir.resolve("zookeeper")))
                .configuration(properties)
                .exitHandler(ExitHandler.LOG_ONLY)
                .build();
        server.start();
        return server;
    }

    private void startRedis(Path dir, int port, Integer masterPort) throws IOException, InterruptedException {
        startRedis(dir, port, masterPort, -1);
    }

    private void startRedis(Path dir, int port, Integer masterPort, int replaceIndex)
            throws IOException, InterruptedException {
        Path nodeDir = Files.createDirectories(dir.resolve("redis-" + port));
        List<String> command = new ArrayList<>(List.of("redis-server", "--bind", "127.0.0.1"));
        command.addAll(
                tls
                        ? List.of("--port", "0", "--tls-port", Integer.toString(port))
                        : List.of("--port", Integer.toString(port)));
        if (tls) {
            command.addAll(pki.redisArgs());
        }
        command.addAll(List.of(
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                nodeDir.toString(),
                "--logfile",
                nodeDir.resolve("redis.log").toString(),
                // Replicas sync at once rather than after Redis' default 5 s wait for more replicas.
                "--repl-diskless-sync-delay",
                "0"));
        if (masterPort != null) {
            command.addAll(List.of("--replicaof", "127.0.0.1", Integer.toString(masterPort)));
        }
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(nodeDir.resolve("stdout.log").toFile())
                .start();
        if (replaceIndex >= 0) {
            redis.set(replaceIndex, process);
        } else {
            redis.add(process);
        }
        // A replica counts once it has synced: until then it has none of the master's data and its own
        // replication id, and the monitor rightly refuses to promote it.
        waitFor(Duration.ofSeconds(10), () -> {
            try (Jedis jedis = nodeClient(port, 500)) {
                return "PONG".equals(jedis.ping())
                        && (masterPort == null || jedis.info("replication").contains("master_link_status:up"));
            } catch (JedisException e) {
                return false;
            }
        });
    }

    static boolean waitFor(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(50);
        }
        return condition.getAsBoolean();
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    static void say(String format, Object... args) {
        System.out.println(String.format(format, args));
        System.out.flush();
    }
}

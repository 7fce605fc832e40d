package org.redisfailover.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.redisfailover.monitor.NodeAccess;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.config.ClusterSettings;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.server.ProxyServer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * {@code redis-failover demo --cluster}: a 3-master, 3-replica Redis Cluster on loopback, the proxy in cluster
 * mode in front of it, and a client writing through the proxy while a master gets kill -9 (its replica is
 * promoted by the cluster; the proxy holds that shard's writes meanwhile) and then while {@code redis-cli
 * --cluster reshard} moves 1000 slots. At the end every acknowledged write is read back.
 */
final class ClusterDemo {

    private final List<Process> nodes = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();
    private final String listen;

    ClusterDemo(String listen) {
        this.listen = listen;
    }

    int run() throws Exception {
        Path dir = Files.createTempDirectory("redis-failover-cluster-demo-");
        try {
            DemoCommand.say("Starting six redis-server nodes with cluster-enabled yes, and creating the cluster");
            for (int i = 0; i < 6; i++) {
                ports.add(clusterNodePort());
                startNode(dir, ports.get(i));
            }
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            ports.forEach(port -> create.add("127.0.0.1:" + port));
            create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
            cli(create);
            DemoCommand.waitFor(Duration.ofSeconds(30), this::healthy);
            ProxyConfig config = ProxyConfig.builder(NodeAddress.parse(listen), null, List.of())
                    .cluster(ClusterSettings.of(List.of(new NodeAddress("127.0.0.1", ports.get(0)))))
                    .hold(Duration.ofSeconds(15), 100_000, 64L << 20)
                    .build();
            try (ProxyServer proxy = new ProxyServer(config).start()) {
                DemoCommand.waitFor(Duration.ofSeconds(10), () -> proxy.notReadyReason() == null);
                return tour(proxy);
            }
        } finally {
            nodes.forEach(Process::destroyForcibly);
        }
    }

    private int tour(ProxyServer proxy) throws Exception {
        List<NodeAddress> seeds =
                ports.stream().map(port -> new NodeAddress("127.0.0.1", port)).toList();
        DemoCommand.say("%n$ redis-failover status --cluster 127.0.0.1:%d%n%s", ports.get(0), status(seeds));
        DemoCommand.say(
                "A client writes through the proxy (%s) every 2 ms, to keys on every shard.", proxy.boundAddress());
        Map<String, Long> acked = new ConcurrentHashMap<>();
        AtomicLong errors = new AtomicLong();
        AtomicLong uncertain = new AtomicLong();
        AtomicLong longestGapNanos = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = new Thread(
                () -> write(proxy.boundAddress(), stop, acked, errors, uncertain, longestGapNanos), "demo-writer");
        writer.start();
        try {
            Thread.sleep(1000);
            int victimPort = masters().get(0);
            DemoCommand.say(
                    ">>> kill -9 of the master 127.0.0.1:%d (%d writes acknowledged so far)", victimPort, acked.size());
            Process victim = nodes.get(ports.indexOf(victimPort));
            victim.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            longestGapNanos.set(0);
            long killedAt = System.nanoTime();
            DemoCommand.waitFor(
                    Duration.ofSeconds(20),
                    () -> masters().size() == 3 && !masters().contains(victimPort));
            long promotedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            int keys = acked.size();
            long ackedBefore = ackCount(acked);
            DemoCommand.waitFor(Duration.ofSeconds(20), () -> ackCount(acked) > ackedBefore + 10);
            DemoCommand.say(
                    "The cluster promoted a replica %d ms after the kill. The client's longest wait for a write ack: "
                            + "%d ms (its writes to that shard's keys were held until the promotion; the other shards "
                            + "never waited for it); error replies: %d; writes of unknown outcome: %d; keys written: %d",
                    promotedMillis,
                    TimeUnit.NANOSECONDS.toMillis(longestGapNanos.get()),
                    errors.get(),
                    uncertain.get(),
                    keys);
            List<Integer> masters = masters();
            DemoCommand.say(
                    ">>> redis-cli --cluster reshard: 1000 slots from :%d to :%d, under the same writes",
                    masters.get(0), masters.get(1));
            longestGapNanos.set(0);
            long errorsBefore = errors.get();
            cli(List.of(
                    "redis-cli",
                    "--cluster",
                    "reshard",
                    "127.0.0.1:" + masters.get(0),
                    "--cluster-from",
                    nodeId(masters.get(0)),
                    "--cluster-to",
                    nodeId(masters.get(1)),
                    "--cluster-slots",
                    "1000",
                    "--cluster-yes"));
            DemoCommand.say(
                    "Resharding done. Error replies during it: %d; longest wait for a write ack: %d ms",
                    errors.get() - errorsBefore, TimeUnit.NANOSECONDS.toMillis(longestGapNanos.get()));
        } finally {
            stop.set(true);
            writer.join(10_000);
        }
        long lost = 0;
        try (Jedis client =
                new Jedis(proxy.boundAddress().host(), proxy.boundAddress().port(), 10_000)) {
            for (Map.Entry<String, Long> entry : acked.entrySet()) {
                if (!Long.toString(entry.getValue()).equals(client.get(entry.getKey()))) {
                    lost++;
                }
            }
        }
        DemoCommand.say(
                "%d keys written and acknowledged; read back through the proxy: %d lost. (Redis Cluster replicates "
                        + "asynchronously: a write acknowledged just before its master died can be lost; docs/CLUSTER.md.)",
                acked.size(), lost);
        DemoCommand.say(
                "%n$ redis-failover status --cluster 127.0.0.1:%d%n%s",
                masters().get(0), status(seeds));
        return errors.get() == 0 ? 0 : 1;
    }

    /** The highest write number acknowledged so far. */
    private static long ackCount(Map<String, Long> acked) {
        return acked.values().stream().mapToLong(Long::longValue).max().orElse(0);
    }

    private static void write(
            NodeAddress proxy,
            AtomicBoolean stop,
            Map<String, Long> acked,
            AtomicLong errors,
            AtomicLong uncertain,
            AtomicLong longestGapNanos) {
        try (Jedis client = new Jedis(proxy.host(), proxy.port(), 20_000)) {
            long last = System.nanoTime();
            for (long i = 0; !stop.get(); i++) {
                String key = "demo:" + (i % 500);
                try {
                    client.set(key, Long.toString(i));
                    acked.put(key, i);
                    long now = System.nanoTime();
                    longestGapNanos.accumulateAndGet(now - last, Math::max);
                    last = now;
                } catch (JedisException e) {
                    (String.valueOf(e.getMessage()).startsWith("UNCERTAIN") ? uncertain : errors).incrementAndGet();
                }
                Thread.sleep(2);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String status(List<NodeAddress> seeds) {
        List<NodeAddress> alive = seeds.stream()
                .filter(seed -> nodes.get(ports.indexOf(seed.port())).isAlive())
                .toList();
        var status = ClusterStatus.collect(alive, NodeAccess.PLAIN);
        return status == null ? "(no node answered)" : ClusterStatus.text(status);
    }

    /** The live masters' ports, in port order. */
    private List<Integer> masters() {
        List<Integer> masters = new ArrayList<>();
        for (int i = 0; i < ports.size(); i++) {
            if (nodes.get(i).isAlive()) {
                try (Jedis jedis = new Jedis("127.0.0.1", ports.get(i), 1000)) {
                    if (jedis.info("replication").contains("role:master")) {
                        masters.add(ports.get(i));
                    }
                } catch (JedisException e) {
                    // not answering: not a master now
                }
            }
        }
        return masters;
    }

    private boolean healthy() {
        for (int port : ports) {
            try (Jedis jedis = new Jedis("127.0.0.1", port, 1000)) {
                String replication = jedis.info("replication");
                if (!jedis.clusterInfo().contains("cluster_state:ok")
                        || (replication.contains("role:slave") && !replication.contains("master_link_status:up"))) {
                    return false;
                }
            } catch (JedisException e) {
                return false;
            }
        }
        return true;
    }

    private static String nodeId(int port) {
        try (Jedis jedis = new Jedis("127.0.0.1", port, 1000)) {
            return jedis.clusterMyId();
        }
    }

    /** A free port at most 55535 whose cluster bus port, 10000 above, is free too. */
    private static int clusterNodePort() throws IOException {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = DemoCommand.freePort();
            if (port <= 55535) {
                try (java.net.ServerSocket bus =
                        new java.net.ServerSocket(port + 10000, 1, java.net.InetAddress.getLoopbackAddress())) {
                    return port;
                } catch (IOException e) {
                    // the bus port is taken: another one
                }
            }
        }
        throw new IOException("no free port with a free cluster bus port");
    }

    private void startNode(Path dir, int port) throws IOException, InterruptedException {
        Path nodeDir = Files.createDirectories(dir.resolve("redis-" + port));
        Process process = new ProcessBuilder(
                        "redis-server",
                        "--bind",
                        "127.0.0.1",
                        "--port",
                        Integer.toString(port),
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--dir",
                        nodeDir.toString(),
                        "--logfile",
                        nodeDir.resolve("redis.log").toString(),
                        "--cluster-enabled",
                        "yes",
                        "--cluster-node-timeout",
                        "1000",
                        "--repl-diskless-sync-delay",
                        "0")
                .redirectErrorStream(true)
                .redirectOutput(nodeDir.resolve("stdout.log").toFile())
                .start();
        nodes.add(process);
        DemoCommand.waitFor(Duration.ofSeconds(10), () -> {
            try (Jedis jedis = new Jedis("127.0.0.1", port, 500)) {
                return "PONG".equals(jedis.ping());
            } catch (JedisException e) {
                return false;
            }
        });
    }

    private static void cli(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
        }
    }
}

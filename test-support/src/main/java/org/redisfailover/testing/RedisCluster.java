package org.redisfailover.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.redisfailover.protocol.topology.NodeAddress;
import redis.clients.jedis.Jedis;

/**
 * A real Redis Cluster (or Valkey cluster) on free loopback ports: {@code masters} masters with
 * {@code replicasEach} replicas each, created with {@code redis-cli --cluster create}, a node timeout short
 * enough for failover tests. Nodes can be killed, paused and moved between like any {@link RedisProcess}.
 */
public final class RedisCluster implements AutoCloseable {

    /** The cluster's node timeout: a killed master's replica is promoted a few seconds after it. */
    public static final int NODE_TIMEOUT_MILLIS = 1000;

    private final String binary;
    private final List<RedisProcess> nodes;

    private RedisCluster(String binary, List<RedisProcess> nodes) {
        this.binary = binary;
        this.nodes = nodes;
    }

    /** A Redis Cluster from the Debian redis-server. */
    public static RedisCluster start(Path dir, int masters, int replicasEach) {
        RedisProcess.requireRedisServer();
        return start("redis", dir, masters, replicasEach);
    }

    /** A cluster of {@code server}-server processes ({@code redis} or {@code valkey}), made by its own -cli. */
    public static RedisCluster start(String server, Path dir, int masters, int replicasEach) {
        List<RedisProcess> nodes = new ArrayList<>();
        RedisCluster cluster = new RedisCluster(server, nodes);
        try {
            for (int i = 0; i < masters * (1 + replicasEach); i++) {
                nodes.add(startNode(server, dir));
            }
            List<String> command = new ArrayList<>(List.of(server + "-cli", "--cluster", "create"));
            nodes.forEach(node -> command.add("127.0.0.1:" + node.port()));
            command.addAll(List.of("--cluster-replicas", Integer.toString(replicasEach), "--cluster-yes"));
            run(command);
            cluster.awaitHealthy();
            return cluster;
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    private static RedisProcess startNode(String server, Path dir) {
        return RedisProcess.start(
                server + "-server",
                dir,
                null,
                "--cluster-enabled",
                "yes",
                "--cluster-node-timeout",
                Integer.toString(NODE_TIMEOUT_MILLIS),
                "--cluster-require-full-coverage",
                "no",
                // A replica that never synced cannot be promoted: sync at once rather than after 5 s.
                "--repl-diskless-sync-delay",
                "0");
    }

    /**
     * A new, empty master joined to the cluster with {@code -cli --cluster add-node}, as an operator adds one;
     * it serves no slot until some are moved to it. Returns once every node knows it.
     */
    public RedisProcess addMaster(Path dir) {
        RedisProcess node = startNode(binary, dir);
        nodes.add(node);
        run(List.of(
                binary + "-cli",
                "--cluster",
                "add-node",
                "127.0.0.1:" + node.port(),
                "127.0.0.1:" + nodes.get(0).port()));
        Poll.until(Duration.ofSeconds(30), "every node to know every other, the new one included", () -> {
            for (RedisProcess each : nodes) {
                if (!each.isAlive()) {
                    continue;
                }
                try (Jedis jedis = each.client()) {
                    String known = jedis.clusterNodes();
                    if (known.contains("handshake")) {
                        return false;
                    }
                    for (RedisProcess other : nodes) {
                        if (other.isAlive() && !known.contains(":" + other.port() + "@")) {
                            return false;
                        }
                    }
                }
            }
            return true;
        });
        return node;
    }

    private static String run(List<String> command) {
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Waits until every live node sees the cluster as ok, all slots covered, agrees on who serves each, and every
     * replica has synced from its master (one that has not could not be promoted).
     */
    public void awaitHealthy() {
        Poll.until(Duration.ofSeconds(30), "every node of the cluster to report cluster_state:ok", () -> {
            String view = null;
            for (RedisProcess node : nodes) {
                if (!node.isAlive()) {
                    continue;
                }
                try (Jedis jedis = node.client()) {
                    if (!jedis.clusterInfo().contains("cluster_state:ok")) {
                        return false;
                    }
                    String replication = jedis.info("replication");
                    if (replication.contains("role:slave") && !replication.contains("master_link_status:up")) {
                        return false;
                    }
                    String masters = mastersBySlotRange(jedis.clusterNodes()).toString();
                    if (view != null && !view.equals(masters)) {
                        return false;
                    }
                    view = masters;
                }
            }
            return true;
        });
    }

    /** Each master's address with its slot ranges, sorted: equal on nodes that agree. */
    private static List<String> mastersBySlotRange(String clusterNodes) {
        List<String> masters = new ArrayList<>();
        for (String line : clusterNodes.split("\n")) {
            String[] fields = line.trim().split(" ");
            if (fields.length > 8 && fields[2].contains("master") && !fields[2].contains("fail")) {
                StringBuilder entry = new StringBuilder(fields[1].split("@")[0]);
                for (int i = 8; i < fields.length; i++) {
                    entry.append(' ').append(fields[i]);
                }
                masters.add(entry.toString());
            }
        }
        masters.sort(null);
        return masters;
    }

    public List<RedisProcess> nodes() {
        return nodes;
    }

    /** Every node's address, to seed a proxy or a client with. */
    public List<NodeAddress> addresses() {
        return nodes.stream().map(RedisProcess::address).toList();
    }

    /** The live node that serves {@code slot} as master, as a live node sees it now. */
    public RedisProcess masterOf(int slot) {
        for (RedisProcess node : nodes) {
            if (!node.isAlive()) {
                continue;
            }
            try (Jedis jedis = node.client()) {
                for (String line : jedis.clusterNodes().split("\n")) {
                    String[] fields = line.trim().split(" ");
                    if (fields.length > 8 && fields[2].contains("master") && !fields[2].contains("fail")) {
                        for (int i = 8; i < fields.length; i++) {
                            if (fields[i].startsWith("[")) {
                                continue; // a slot being migrated or imported
                            }
                            String[] range = fields[i].split("-");
                            int start = Integer.parseInt(range[0]);
                            int end = range.length > 1 ? Integer.parseInt(range[1]) : start;
                            if (slot >= start && slot <= end) {
                                return byPort(
                                        Integer.parseInt(fields[1].split("@")[0].split(":")[1]));
                            }
                        }
                    }
                }
            }
        }
        throw new IllegalStateException("no live master serves slot " + slot);
    }

    /** The live masters, as a live node sees them now. */
    public List<RedisProcess> masters() {
        List<RedisProcess> masters = new ArrayList<>();
        for (RedisProcess node : nodes) {
            if (node.isAlive()) {
                try (Jedis jedis = node.client()) {
                    if (jedis.info("replication").contains("role:master")) {
                        masters.add(node);
                    }
                }
            }
        }
        return masters;
    }

    public RedisProcess byPort(int port) {
        return nodes.stream()
                .filter(node -> node.port() == port)
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no node on port " + port));
    }

    /**
     * Moves {@code slot} and its keys from its master to {@code target} the way {@code redis-cli --cluster
     * reshard} does: IMPORTING on the target, MIGRATING on the source, MIGRATE of the keys, then NODE on both.
     * {@code afterMigrating} runs while the slot is half moved (both states set, no key moved yet).
     */
    public void moveSlot(int slot, RedisProcess target, Runnable afterMigrating) {
        RedisProcess source = masterOf(slot);
        if (source == target) {
            return;
        }
        String targetId;
        try (Jedis from = source.client();
                Jedis to = target.client()) {
            String sourceId = from.clusterMyId();
            targetId = to.clusterMyId();
            to.clusterSetSlotImporting(slot, sourceId);
            from.clusterSetSlotMigrating(slot, targetId);
            afterMigrating.run();
            while (true) {
                List<String> keys = from.clusterGetKeysInSlot(slot, 100);
                if (keys.isEmpty()) {
                    break;
                }
                for (String key : keys) {
                    from.migrate("127.0.0.1", target.port(), key, 0, 5000);
                }
            }
            to.clusterSetSlotNode(slot, targetId);
            from.clusterSetSlotNode(slot, targetId);
        }
        for (RedisProcess node : masters()) {
            if (node != source && node != target) {
                try (Jedis jedis = node.client()) {
                    jedis.clusterSetSlotNode(slot, targetId);
                }
            }
        }
    }

    /**
     * Moves {@code slots} slots and their keys from {@code from} to {@code to} with {@code redis-cli --cluster
     * reshard}, as an operator does; returns when it is done.
     */
    public void reshard(RedisProcess from, RedisProcess to, int slots) {
        String fromId;
        String toId;
        try (Jedis source = from.client();
                Jedis target = to.client()) {
            fromId = source.clusterMyId();
            toId = target.clusterMyId();
        }
        run(List.of(
                binary + "-cli",
                "--cluster",
                "reshard",
                "127.0.0.1:" + from.port(),
                "--cluster-from",
                fromId,
                "--cluster-to",
                toId,
                "--cluster-slots",
                Integer.toString(slots),
                "--cluster-pipeline",
                "10",
                "--cluster-yes"));
    }

    /** The server binary family: {@code redis} or {@code valkey}. */
    public String server() {
        return binary;
    }

    @Override
    public void close() {
        nodes.forEach(RedisProcess::close);
    }
}

package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.redisfailover.testing.RedisCluster;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisCluster;

/**
 * Cluster-aware clients through the proxy in front of a Redis Cluster and a Valkey cluster: they read the
 * proxy's CLUSTER replies, see one node owning every slot, and send everything to it; their keys still land on
 * the right masters. Lettuce's RedisClusterClient (RESP3), JedisCluster and {@code redis-cli -c}.
 */
class ClusterClientsIT {

    @TempDir
    Path dir;

    private RedisCluster cluster;
    private RunningProxy proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private void start(String server) {
        assumeTrue(RedisProcess.onPath(server + "-server"), server + "-server is not installed (scripts/test does)");
        cluster = RedisCluster.start(server, dir, 3, 0);
        proxy = RunningProxy.startCluster(cluster, config -> config);
    }

    private void assertOnItsMaster(String key, String value) {
        int slot = org.redisfailover.protocol.cluster.HashSlots.of(key.getBytes(StandardCharsets.UTF_8));
        try (var direct = cluster.masterOf(slot).client()) {
            assertEquals(value, direct.get(key), key + " on the master of slot " + slot);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis", "valkey"})
    void lettuceClusterClient(String server) {
        start(server);
        RedisClusterClient client = RedisClusterClient.create(RedisURI.create("127.0.0.1", proxy.port()));
        try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
            RedisAdvancedClusterCommands<String, String> commands = connection.sync();
            for (int i = 0; i < 100; i++) {
                commands.set("lettuce:" + i, "v" + i);
            }
            for (int i = 0; i < 100; i++) {
                assertEquals("v" + i, commands.get("lettuce:" + i));
            }
            assertEquals(1, connection.getPartitions().size(), "the proxy is the one node it knows");
            assertEquals(
                    proxy.port(),
                    connection.getPartitions().getPartition(0).getUri().getPort());
            // Lettuce splits MGET across slots itself, then sends each slot's part to the proxy.
            assertEquals("v1", commands.mget("lettuce:1", "lettuce:2").get(0).getValue());
        } finally {
            client.shutdown();
        }
        assertOnItsMaster("lettuce:7", "v7");
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis", "valkey"})
    void jedisCluster(String server) {
        start(server);
        try (JedisCluster client = new JedisCluster(new HostAndPort("127.0.0.1", proxy.port()))) {
            for (int i = 0; i < 100; i++) {
                client.set("jedis:" + i, "v" + i);
            }
            for (int i = 0; i < 100; i++) {
                assertEquals("v" + i, client.get("jedis:" + i));
            }
            assertEquals(1, client.getClusterNodes().size());
        }
        assertOnItsMaster("jedis:7", "v7");
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis", "valkey"})
    void redisCliInClusterMode(String server) throws Exception {
        start(server);
        for (int i = 0; i < 20; i++) {
            assertEquals("OK", cli("-c", "-p", Integer.toString(proxy.port()), "SET", "cli:" + i, "v" + i));
        }
        for (int i = 0; i < 20; i++) {
            assertEquals("v" + i, cli("-c", "-p", Integer.toString(proxy.port()), "GET", "cli:" + i));
        }
        assertOnItsMaster("cli:3", "v3");
    }

    /**
     * ioredis' Cluster client (Node.js): the script in src/test/node/ioredis-cluster, with its locked dependencies
     * installed by {@code npm ci} into target, writes and reads 100 keys, runs a pipeline, a transaction and a
     * subscription, and checks that it sees the proxy as the one node.
     */
    @ParameterizedTest
    @ValueSource(strings = {"redis", "valkey"})
    void ioredisCluster(String server) throws Exception {
        assumeTrue(RedisProcess.onPath("node") && RedisProcess.onPath("npm"), "Node.js and npm are not installed");
        start(server);
        Path script = ioredisInstalled();
        Process node = new ProcessBuilder("node", script.toString(), Integer.toString(proxy.port()))
                .redirectErrorStream(true)
                .start();
        String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(true, node.waitFor(60, TimeUnit.SECONDS));
        assertEquals("ok", output, "ioredis says");
        assertOnItsMaster("ioredis:7", "v7");
    }

    /** The ioredis check with its dependencies, installed once per build (npm ci from the lock file). */
    private static synchronized Path ioredisInstalled() throws Exception {
        Path source = Path.of("src/test/node/ioredis-cluster");
        Path target = Path.of("target/ioredis-cluster");
        java.nio.file.Files.createDirectories(target);
        for (String file : List.of("package.json", "package-lock.json", "cluster.mjs")) {
            java.nio.file.Files.copy(
                    source.resolve(file), target.resolve(file), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        if (!java.nio.file.Files.isDirectory(target.resolve("node_modules/ioredis"))) {
            Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund")
                    .directory(target.toFile())
                    .redirectErrorStream(true)
                    .start();
            String output = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(true, npm.waitFor(180, TimeUnit.SECONDS), "npm ci finished");
            assertEquals(0, npm.exitValue(), "npm ci: " + output);
        }
        return target.resolve("cluster.mjs").toAbsolutePath();
    }

    private String cli(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(cluster.server() + "-cli"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(true, process.waitFor(10, TimeUnit.SECONDS));
        return output;
    }

    @org.junit.jupiter.api.Test
    void anAnnounceAddressIsWhatClusterClientsAreGiven() {
        cluster = RedisCluster.start(dir, 3, 0);
        proxy = RunningProxy.startCluster(
                cluster,
                config -> config.cluster(new org.redisfailover.proxy.config.ClusterSettings(
                        List.of(cluster.nodes().get(0).address()),
                        org.redisfailover.proxy.config.ClusterSettings.DEFAULT_REFRESH,
                        false,
                        new org.redisfailover.protocol.topology.NodeAddress("proxy.example.com", 7379))));
        try (var client = proxy.client()) {
            List<Object> slots = client.clusterSlots();
            List<?> node = (List<?>) ((List<?>) slots.get(0)).get(2);
            assertEquals("proxy.example.com", new String((byte[]) node.get(0), StandardCharsets.UTF_8));
            assertEquals(7379L, node.get(1));
            org.junit.jupiter.api.Assertions.assertTrue(client.clusterNodes().contains(" proxy.example.com:7379@"));
        }
    }
}

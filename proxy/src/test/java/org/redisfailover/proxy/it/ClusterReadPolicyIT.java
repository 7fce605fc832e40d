package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.redisfailover.proxy.config.ReadPolicy;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RedisCluster;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Read policies per shard in front of a 3+3 Redis Cluster: reads go to each shard's replica (READONLY
 * connections), writes to its master; a shard whose replica is gone falls back to its master with
 * prefer-replica and refuses with replica.
 */
class ClusterReadPolicyIT {

    @TempDir
    Path dir;

    private static long calls(RedisCluster cluster, boolean masters, String command) {
        long sum = 0;
        for (RedisProcess node : cluster.nodes()) {
            if (node.isAlive()) {
                try (Jedis jedis = node.client()) {
                    if (jedis.info("replication").contains("role:master") == masters) {
                        sum += node.calls(command);
                    }
                }
            }
        }
        return sum;
    }

    @Test
    void readsGoToEachShardsReplicaAndFallBackAsThePolicySays() {
        try (RedisCluster cluster = RedisCluster.start(dir, 3, 1);
                RunningProxy preferReplica =
                        RunningProxy.startCluster(cluster, config -> config.readPolicy(ReadPolicy.PREFER_REPLICA));
                RunningProxy replicaOnly =
                        RunningProxy.startCluster(cluster, config -> config.readPolicy(ReadPolicy.REPLICA));
                Jedis client = preferReplica.client();
                Jedis strict = replicaOnly.client()) {
            for (int i = 0; i < 60; i++) {
                client.set("r" + i, "v" + i);
            }
            for (RedisProcess master : cluster.masters()) {
                try (Jedis direct = master.client()) {
                    direct.waitReplicas(1, 5000);
                }
            }
            // The proxy reads a replica once the cluster calls it online (a replica with offset 0 shows as loading).
            Poll.until(Duration.ofSeconds(10), "a read served by a replica", () -> {
                long before = calls(cluster, false, "get");
                client.get("r0");
                return calls(cluster, false, "get") > before;
            });
            long masterGets = calls(cluster, true, "get");
            for (int i = 0; i < 60; i++) {
                assertEquals("v" + i, client.get("r" + i));
            }
            assertEquals(masterGets, calls(cluster, true, "get"), "no read reached a master");
            assertTrue(calls(cluster, false, "get") >= 60, "the replicas served the reads");

            RedisProcess replica = cluster.nodes().stream()
                    .filter(node -> {
                        try (Jedis jedis = node.client()) {
                            return jedis.info("replication").contains("role:slave");
                        }
                    })
                    .findFirst()
                    .orElseThrow();
            replica.kill();
            // Every key reads back: from the replicas left, and from the master of the shard that lost its own.
            Poll.until(Duration.ofSeconds(20), "prefer-replica to read every key again", () -> {
                for (int i = 0; i < 60; i++) {
                    if (!("v" + i).equals(client.get("r" + i))) {
                        return false;
                    }
                }
                return true;
            });
            Poll.until(Duration.ofSeconds(20), "policy replica to refuse a read of the replica-less shard", () -> {
                for (int i = 0; i < 60; i++) {
                    try {
                        strict.get("r" + i);
                    } catch (JedisDataException e) {
                        return e.getMessage().contains("no healthy replica");
                    }
                }
                return false;
            });
            assertThrows(JedisDataException.class, () -> {
                for (int i = 0; i < 60; i++) {
                    strict.get("r" + i);
                }
            });
        }
    }
}

package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.redisfailover.protocol.cluster.HashSlots;
import org.redisfailover.testing.RedisCluster;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Safe mode per shard ({@code min-replica-acks 1} in front of a 3+3 Redis Cluster): a write is acknowledged only
 * once its own shard's replica has it, on every write shape the shared lane carries (a plain command, a script,
 * a split DEL, a transaction); a shard whose replica is frozen answers its writes UNCERTAIN while the other
 * shards' writes are acknowledged as before.
 */
class ClusterSafeModeIT {

    @TempDir
    Path dir;

    private static int slot(String key) {
        return HashSlots.of(key.getBytes(StandardCharsets.UTF_8));
    }

    /** The replica of {@code master}, as the cluster says. */
    private static RedisProcess replicaOf(RedisCluster cluster, RedisProcess master) {
        String id;
        try (Jedis jedis = master.client()) {
            id = jedis.clusterMyId();
        }
        for (RedisProcess node : cluster.nodes()) {
            try (Jedis jedis = node.client()) {
                if (jedis.info("replication").contains("role:slave")
                        && jedis.clusterNodes().contains("myself,slave " + id)) {
                    return node;
                }
            }
        }
        throw new IllegalStateException("no replica of " + master.port());
    }

    @Test
    void aWriteIsAcknowledgedOnlyOnceItsShardsReplicaHasIt() {
        try (RedisCluster cluster = RedisCluster.start(dir, 3, 1);
                RunningProxy proxy =
                        RunningProxy.startCluster(cluster, config -> config.replicaAcks(1, Duration.ofMillis(500)));
                Jedis client = proxy.client()) {
            for (int i = 0; i < 30; i++) {
                String key = "safe:" + i;
                assertEquals("OK", client.set(key, "v" + i));
                // Acknowledged: the shard's replica has it already (no wait, no poll).
                RedisProcess replica = replicaOf(cluster, cluster.masterOf(slot(key)));
                try (Jedis direct = replica.client()) {
                    direct.readonly();
                    assertEquals("v" + i, direct.get(key), key + " on its shard's replica when acknowledged");
                }
            }
            assertEquals(1L, client.eval("return redis.call('incr', KEYS[1])", List.of("safe:counter"), List.of()));
            assertEquals(
                    30,
                    client.del(java.util.stream.IntStream.range(0, 30)
                            .mapToObj(i -> "safe:" + i)
                            .toArray(String[]::new)));

            RedisProcess frozenShard = cluster.masterOf(slot("frozen"));
            RedisProcess replica = replicaOf(cluster, frozenShard);
            String elsewhere = "other0";
            for (int i = 0; cluster.masterOf(slot(elsewhere)) == frozenShard; i++) {
                elsewhere = "other" + i;
            }
            replica.pause();
            try {
                JedisDataException uncertain = assertThrows(JedisDataException.class, () -> client.set("frozen", "x"));
                assertTrue(uncertain.getMessage().startsWith("UNCERTAIN"), uncertain.getMessage());
                assertEquals("OK", client.set(elsewhere, "y"), "another shard's write is acknowledged as before");
            } finally {
                replica.resume();
            }
            assertEquals("OK", client.set("frozen", "z"));
        }
    }
}

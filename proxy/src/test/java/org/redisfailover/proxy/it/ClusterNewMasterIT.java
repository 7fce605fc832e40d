package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.redisfailover.protocol.cluster.HashSlots;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RedisCluster;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;

/**
 * A master new to the cluster (added with {@code redis-cli --cluster add-node}, given a slot) lacks the
 * functions and the script cache the other masters have, since neither is copied by the cluster. The proxy
 * gives it both as soon as the map shows it, so FCALL and EVALSHA routed there work.
 */
class ClusterNewMasterIT {

    private static final String LIBRARY = "#!lua name=counters\n"
            + "redis.register_function('bump', function(keys, args) return redis.call('INCR', keys[1]) end)";

    @TempDir
    Path dir;

    @Test
    void aMasterNewToTheClusterGetsTheFunctionsAndScripts() {
        try (RedisCluster cluster = RedisCluster.start(dir, 3, 0);
                RunningProxy proxy = RunningProxy.startCluster(cluster, config -> config);
                Jedis client = proxy.client()) {
            assertEquals("counters", client.functionLoad(LIBRARY));
            String sha = client.scriptLoad("return redis.call('GET', KEYS[1])");
            assertEquals(1L, client.fcall("bump", List.of("before"), List.of()));

            RedisProcess added = cluster.addMaster(dir);
            String key = "moved-key";
            cluster.moveSlot(HashSlots.of(key.getBytes(StandardCharsets.UTF_8)), added, () -> {});
            try (Jedis direct = added.client()) {
                Poll.until(
                        Duration.ofSeconds(10),
                        "the new master to get the library and the script",
                        () -> !direct.functionList().isEmpty() && direct.scriptExists(sha));
            }
            // Before, the new master answered "ERR Function not found".
            assertEquals(1L, client.fcall("bump", List.of(key), List.of()));
            assertEquals(2L, client.fcall("bump", List.of(key), List.of()));
            assertEquals("2", client.evalsha(sha, List.of(key), List.of()));
            try (Jedis direct = added.client()) {
                assertEquals("2", direct.get(key), "the key lives on the new master");
            }
            assertTrue(cluster.masters().contains(added));
        }
    }
}

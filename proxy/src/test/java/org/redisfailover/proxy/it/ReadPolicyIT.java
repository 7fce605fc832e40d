package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisfailover.proxy.config.ReadPolicy;
import org.redisfailover.testing.FreePort;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/** Where reads and writes land under each read policy, counted by each node's INFO commandstats. */
@ExtendWith(RedisGroup.class)
class ReadPolicyIT {

    @AfterEach
    void heal(RedisGroup group) {
        group.heal();
    }

    private static long[] getCalls(RedisGroup group) {
        return new long[] {
            group.master().calls("get"),
            group.replicas().get(0).calls("get"),
            group.replicas().get(1).calls("get")
        };
    }

    private static void readAndWrite(RunningProxy proxy, int count) {
        try (Jedis jedis = proxy.client()) {
            for (int i = 0; i < count; i++) {
                jedis.set("policy:" + i, "v");
                jedis.get("policy:" + i);
            }
        }
    }

    @Test
    void masterPolicySendsEverythingToTheMaster(RedisGroup group) {
        try (RunningProxy proxy = RunningProxy.start(group)) {
            long[] before = getCalls(group);
            readAndWrite(proxy, 100);
            long[] after = getCalls(group);
            assertEquals(100, after[0] - before[0]);
            assertEquals(0, after[1] - before[1]);
            assertEquals(0, after[2] - before[2]);
        }
    }

    @Test
    void preferReplicaSpreadsReadsOverReplicasAndWritesStayOnTheMaster(RedisGroup group) {
        try (RunningProxy proxy = RunningProxy.start(group, c -> c.readPolicy(ReadPolicy.PREFER_REPLICA))) {
            long setsBefore = group.master().calls("set");
            long[] before = getCalls(group);
            readAndWrite(proxy, 100);
            long[] after = getCalls(group);
            assertEquals(100, group.master().calls("set") - setsBefore, "every write on the master");
            assertEquals(0, after[0] - before[0], "no read on the master while replicas are healthy");
            long r1 = after[1] - before[1];
            long r2 = after[2] - before[2];
            assertEquals(100, r1 + r2);
            assertTrue(r1 >= 40 && r2 >= 40, "round-robin across replicas: " + r1 + "/" + r2);
        }
    }

    @Test
    void scanIterationsStayOnOneReplicaWhileOtherReadsSpread(RedisGroup group) {
        try (Jedis master = group.master().client()) {
            for (int i = 0; i < 300; i++) {
                master.set("scan:" + i, "v");
                master.hset("scan:hash", "f" + i, "v");
            }
        }
        group.replicas().forEach(replica -> replica.awaitReplicationFrom(group.master()));
        try (RunningProxy proxy = RunningProxy.start(group, c -> c.readPolicy(ReadPolicy.REPLICA));
                Jedis jedis = proxy.client()) {
            long[] scansBefore = {
                group.replicas().get(0).calls("scan") + group.replicas().get(0).calls("hscan"),
                group.replicas().get(1).calls("scan") + group.replicas().get(1).calls("hscan")
            };
            java.util.Set<String> keys = new java.util.HashSet<>();
            java.util.Set<String> fields = new java.util.HashSet<>();
            String cursor = "0";
            String hashCursor = "0";
            int calls = 0;
            redis.clients.jedis.params.ScanParams params =
                    new redis.clients.jedis.params.ScanParams().match("scan:*").count(7);
            // Two interleaved iterations, with GETs between them that round-robin over the replicas.
            for (boolean first = true;
                    (first || !cursor.equals("0") || !hashCursor.equals("0")) && calls < 2_000;
                    first = false) {
                if (first || !cursor.equals("0")) {
                    redis.clients.jedis.resps.ScanResult<String> page = jedis.scan(cursor, params);
                    keys.addAll(page.getResult());
                    cursor = page.getCursor();
                    calls++;
                }
                jedis.get("scan:1");
                if (first || !hashCursor.equals("0")) {
                    redis.clients.jedis.resps.ScanResult<java.util.Map.Entry<String, String>> page =
                            jedis.hscan("scan:hash", hashCursor, new redis.clients.jedis.params.ScanParams().count(7));
                    page.getResult().forEach(entry -> fields.add(entry.getKey()));
                    hashCursor = page.getCursor();
                    calls++;
                }
            }
            keys.remove("scan:hash");
            assertEquals(300, keys.size(), "every key once the SCAN completes");
            assertEquals(300, fields.size(), "every field once the HSCAN completes");
            long onFirst = group.replicas().get(0).calls("scan")
                    + group.replicas().get(0).calls("hscan")
                    - scansBefore[0];
            long onSecond = group.replicas().get(1).calls("scan")
                    + group.replicas().get(1).calls("hscan")
                    - scansBefore[1];
            assertEquals(calls, onFirst + onSecond);
            assertTrue(onFirst == 0 || onSecond == 0, "all scans on one replica: " + onFirst + "/" + onSecond);
        }
    }

    @Test
    void cursorWhoseReplicaDiedIsRefusedAndANewScanGoesElsewhere(RedisGroup group) {
        try (Jedis master = group.master().client()) {
            for (int i = 0; i < 100; i++) {
                master.set("lost:" + i, "v");
            }
        }
        group.replicas().forEach(replica -> replica.awaitReplicationFrom(group.master()));
        try (RunningProxy proxy = RunningProxy.start(group, c -> c.readPolicy(ReadPolicy.PREFER_REPLICA));
                Jedis jedis = proxy.client()) {
            long before = group.replicas().get(0).calls("scan");
            String cursor = jedis.scan("0", new redis.clients.jedis.params.ScanParams().count(5))
                    .getCursor();
            RedisProcess scanned = group.replicas().get(0).calls("scan") > before
                    ? group.replicas().get(0)
                    : group.replicas().get(1);
            scanned.kill();
            Poll.until(Duration.ofSeconds(10), "the continued cursor to be refused", () -> {
                try {
                    jedis.scan(cursor);
                    return false;
                } catch (JedisDataException e) {
                    return e.getMessage().contains("start the scan again from cursor 0");
                }
            });
            assertTrue(jedis.scan("0").getResult().size() > 0, "a new iteration runs on a node that is still there");
        }
    }

    @Test
    void preferReplicaFallsBackToTheMasterWhenNoReplicaIsReachable(RedisGroup group) {
        try (RunningProxy proxy = RunningProxy.start(group, c -> c.readPolicy(ReadPolicy.PREFER_REPLICA))) {
            group.replicas().forEach(RedisProcess::kill);
            try (Jedis jedis = proxy.client()) {
                jedis.set("policy:fallback", "here");
                // The first reads may still be routed to a replica the loop has not yet seen die: they fail
                // cleanly, and once the loss is noticed reads go to the master.
                Poll.until(
                        Duration.ofSeconds(10),
                        "reads to fall back to the master",
                        () -> "here".equals(jedis.get("policy:fallback")));
                long before = group.master().calls("get");
                for (int i = 0; i < 20; i++) {
                    assertEquals("here", jedis.get("policy:fallback"));
                }
                assertEquals(20, group.master().calls("get") - before);
            }
        }
    }

    @Test
    void replicaPolicyRefusesReadsWhenNoReplicaIsReachable(RedisGroup group) {
        try (RunningProxy proxy = RunningProxy.start(group, c -> c.readPolicy(ReadPolicy.REPLICA))) {
            try (Jedis jedis = proxy.client()) {
                jedis.set("policy:strict", "x");
                group.replicas().get(0).awaitReplicationFrom(group.master());
                group.replicas().forEach(RedisProcess::kill);
                Poll.until(Duration.ofSeconds(10), "the proxy to notice both replicas are gone", () -> {
                    try {
                        jedis.get("policy:strict");
                        return false;
                    } catch (JedisDataException e) {
                        return e.getMessage().contains("no healthy replica");
                    }
                });
                JedisDataException e = assertThrows(JedisDataException.class, () -> jedis.get("policy:strict"));
                assertEquals(
                        "ERR redis-failover: no healthy replica to read from (read policy 'replica')", e.getMessage());
                assertEquals("OK", jedis.set("policy:strict", "writes still work"));
            }
        }
    }

    @Test
    void readOnlyScriptsRunOnReplicasWhateverLoadedThem(RedisGroup group) {
        String script = "return redis.call('GET', KEYS[1])";
        try (RunningProxy proxy = RunningProxy.start(group, c -> c.readPolicy(ReadPolicy.REPLICA));
                Jedis jedis = proxy.client();
                Jedis master = group.master().client()) {
            master.scriptFlush();
            group.replicas().forEach(replica -> {
                try (Jedis direct = replica.client()) {
                    direct.scriptFlush();
                }
            });
            jedis.set("script:key", "value");
            group.replicas().forEach(replica -> replica.awaitReplicationFrom(group.master()));

            // Loaded through the proxy: every node has it, so the replicas run EVALSHA_RO themselves.
            String sha = jedis.scriptLoad(script);
            long[] before = {
                group.replicas().get(0).calls("evalsha_ro"),
                group.replicas().get(1).calls("evalsha_ro")
            };
            for (int i = 0; i < 20; i++) {
                assertEquals("value", jedis.evalshaReadonly(sha, List.of("script:key"), List.of()));
            }
            long onReplicas = group.replicas().get(0).calls("evalsha_ro")
                    - before[0]
                    + group.replicas().get(1).calls("evalsha_ro")
                    - before[1];
            assertEquals(20, onReplicas, "every EVALSHA_RO on a replica");

            // Loaded on the master alone (EVAL caches it there; Redis 7 does not replicate the cache): a replica's
            // NOSCRIPT sends the call to the master, and the client sees the script's answer.
            String masterOnly = "return 'master:' .. redis.call('GET', KEYS[1])";
            master.eval(masterOnly, 1, "script:key");
            String masterSha = master.scriptLoad(masterOnly);
            for (int i = 0; i < 4; i++) {
                assertEquals("master:value", jedis.evalshaReadonly(masterSha, List.of("script:key"), List.of()));
            }
            JedisDataException unknown = assertThrows(
                    JedisDataException.class,
                    () -> jedis.evalshaReadonly("0123456789012345678901234567890123456789", List.of("k"), List.of()));
            assertTrue(unknown.getMessage().startsWith("NOSCRIPT"), unknown.getMessage());
        }
    }

    /** Stops replication to every replica (they keep serving reads), runs {@code body}, then replicates again. */
    private static void withReplicasLagging(RedisGroup group, Runnable body) {
        int nowhere = FreePort.next();
        group.replicas().forEach(replica -> {
            try (Jedis jedis = replica.client()) {
                jedis.replicaof("127.0.0.1", nowhere);
            }
        });
        try {
            body.run();
        } finally {
            group.replicas().forEach(replica -> {
                try (Jedis jedis = replica.client()) {
                    jedis.replicaof("127.0.0.1", group.master().port());
                }
                replica.awaitReplicationFrom(group.master());
            });
        }
    }

    @Test
    void readYourWritesReadsEachOwnWriteWhileReplicasLag(RedisGroup group) {
        try (RunningProxy ryw = RunningProxy.start(group, c -> c.readPolicy(ReadPolicy.READ_YOUR_WRITES));
                RunningProxy prefer = RunningProxy.start(group, c -> c.readPolicy(ReadPolicy.PREFER_REPLICA))) {
            withReplicasLagging(group, () -> {
                try (Jedis jedis = prefer.client()) {
                    jedis.set("lagging", "new");
                    assertEquals(
                            null,
                            jedis.get("lagging"),
                            "prefer-replica reads a replica that does not have the write yet");
                }
                long masterReads = group.master().calls("get");
                try (Jedis jedis = ryw.client()) {
                    for (int i = 0; i < 50; i++) {
                        jedis.set("ryw:" + i, "v" + i);
                        assertEquals("v" + i, jedis.get("ryw:" + i), "a client reads its own write");
                    }
                }
                assertEquals(
                        50,
                        group.master().calls("get") - masterReads,
                        "from the master, since no replica has the writes");
                long[] before = getCalls(group);
                try (Jedis reader = ryw.client()) {
                    for (int i = 0; i < 10; i++) {
                        reader.get("ryw:0");
                    }
                }
                long[] after = getCalls(group);
                assertEquals(0, after[0] - before[0], "a client that has not written reads from replicas");
                assertEquals(10, after[1] - before[1] + after[2] - before[2]);
            });
        }
    }

    @Test
    void readYourWritesMovesReadsBackToReplicasOnceTheyHaveTheWrite(RedisGroup group) {
        try (RunningProxy proxy = RunningProxy.start(group, c -> c.readPolicy(ReadPolicy.READ_YOUR_WRITES));
                Jedis jedis = proxy.client()) {
            jedis.set("caught-up", "yes");
            long[] before = getCalls(group);
            int reads = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline && reads < 100_000) {
                assertEquals("yes", jedis.get("caught-up"));
                reads++;
                long[] now = getCalls(group);
                if (now[1] - before[1] + now[2] - before[2] > 0) {
                    break;
                }
            }
            long[] after = getCalls(group);
            assertTrue(
                    after[1] - before[1] + after[2] - before[2] > 0,
                    "reads reach a replica once it has the write (" + reads + " reads)");
        }
    }

    /** FUNCTION LOAD goes to the master, which replicates it (unlike the script cache): FCALL_RO then runs on a replica. */
    @Test
    void aFunctionLoadedThroughTheProxyRunsOnTheReplicas(RedisGroup group) {
        String library = "#!lua name=readpolicy\nredis.register_function{function_name='rp_get', "
                + "callback=function(keys, args) return redis.call('GET', keys[1]) end, flags={'no-writes'}}";
        try (RunningProxy proxy = RunningProxy.start(group, c -> c.readPolicy(ReadPolicy.REPLICA));
                Jedis jedis = proxy.client()) {
            assertEquals("readpolicy", jedis.functionLoadReplace(library));
            jedis.set("function:k", "v");
            group.replicas().forEach(replica -> replica.awaitReplicationFrom(group.master()));
            long before = group.replicas().get(0).calls("fcall_ro")
                    + group.replicas().get(1).calls("fcall_ro");
            for (int i = 0; i < 10; i++) {
                assertEquals("v", jedis.fcallReadonly("rp_get", List.of("function:k"), List.of()));
            }
            long after = group.replicas().get(0).calls("fcall_ro")
                    + group.replicas().get(1).calls("fcall_ro");
            assertEquals(10, after - before, "every FCALL_RO ran on a replica");
            jedis.functionDelete("readpolicy");
        }
    }
}

package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RawClient;
import org.redisfailover.testing.RedisGroup;
import redis.clients.jedis.Jedis;

/**
 * Safe mode's group commit against a real master and two replicas: a write is answered only after a WAIT
 * for its batch, too few acknowledgements give the outcome-unknown error instead of OK, a client's read
 * after its own write still sees it, and another client's read does not wait for anyone's WAIT; a
 * pipeline shares its WAITs and is answered in order; scripts wait unless flagged no-writes; a write
 * connection lost while its WAIT is out leaves its writes' outcome unknown.
 */
@ExtendWith(RedisGroup.class)
class SafeModeIT {

    @Test
    void aWriteIsAnsweredAfterItsBatchWaitAndTooFewReplicasAreNeverOk(RedisGroup group) throws Exception {
        long waitsBefore = group.master().calls("wait");
        try (RunningProxy proxy = RunningProxy.start(group, config -> config.replicaAcks(1, Duration.ofSeconds(1)));
                Jedis client = proxy.client()) {
            assertEquals("OK", client.set("safe:k", "v"));
            assertTrue(group.master().calls("wait") > waitsBefore, "the write's batch ended with a WAIT");
        }
        try (RunningProxy proxy = RunningProxy.start(group, config -> config.replicaAcks(3, Duration.ofMillis(300)));
                RawClient client = new RawClient(proxy.port(), 10_000)) {
            String reply = client.call("SET", "safe:too-few", "v").strip();
            assertTrue(
                    reply.startsWith(
                            "-UNCERTAIN redis-failover: the write was applied on the master but only 2 of 3 replicas"),
                    "two replicas for three acknowledgements: " + reply);
            assertTrue(
                    client.call("INCR", "safe:too-few").strip().startsWith("-ERR value is not an integer"),
                    "a write Redis refuses is answered with Redis' error at once: nothing to acknowledge");
            assertEquals(
                    1, proxy.server().metrics().writesUnacknowledged.getCount(), "the unacknowledged write is counted");
            assertTrue(proxy.server().metrics().replicaAckWaits.getCount() >= 1);
        }
    }

    @Test
    void aClientReadsItsOwnWriteAndOthersDoNotWaitForItsAcknowledgement(RedisGroup group) throws Exception {
        try (RunningProxy proxy = RunningProxy.start(group, config -> config.replicaAcks(1, Duration.ofSeconds(1)));
                RawClient client = new RawClient(proxy.port(), 10_000)) {
            client.send(
                    (RawClient.command("SET", "safe:own", "new") + RawClient.command("GET", "safe:own")).getBytes());
            assertEquals("+OK", client.readReply().strip());
            assertEquals("$3\r\nnew", client.readReply().strip(), "the read behind the client's own write sees it");
        }
        try (Jedis master = group.master().client()) {
            master.set("safe:other", "x");
        }
        try (RunningProxy proxy = RunningProxy.start(group, config -> config.replicaAcks(3, Duration.ofSeconds(3)));
                RawClient writer = new RawClient(proxy.port(), 10_000);
                Jedis reader = proxy.client()) {
            CompletableFuture<String> write = CompletableFuture.supplyAsync(() -> {
                try {
                    return writer.call("SET", "safe:slow", "v");
                } catch (Exception e) {
                    return e.toString();
                }
            });
            // The writer's WAIT blocks its write connection for up to 3 s; the reader's GET uses the read connection.
            assertEquals("x", reader.get("safe:other"));
            assertFalse(write.isDone(), "the read came back while the write still waited for its acknowledgement");
            assertTrue(write.get(10, TimeUnit.SECONDS).startsWith("-UNCERTAIN"));
        }
    }

    @Test
    void aTransactionThatWroteIsAnsweredOnceReplicasHaveItsExec(RedisGroup group) throws Exception {
        try (RunningProxy proxy = RunningProxy.start(group, config -> config.replicaAcks(1, Duration.ofSeconds(1)));
                RawClient client = new RawClient(proxy.port(), 10_000)) {
            long waitsBefore = group.master().calls("wait");
            assertEquals("+OK", client.call("MULTI").strip());
            assertEquals("+QUEUED", client.call("SET", "safe:tx", "1").strip());
            assertEquals("*1\r\n+OK", client.call("EXEC").strip(), "EXEC's own reply, once a replica has it");
            assertEquals(waitsBefore + 1, group.master().calls("wait"), "one WAIT, after EXEC, not inside MULTI");
        }
        try (RunningProxy proxy = RunningProxy.start(group, config -> config.replicaAcks(3, Duration.ofMillis(300)));
                RawClient client = new RawClient(proxy.port(), 10_000)) {
            assertEquals("+OK", client.call("MULTI").strip());
            assertEquals("+QUEUED", client.call("INCR", "safe:tx-counter").strip());
            assertTrue(
                    client.call("EXEC").strip().startsWith("-UNCERTAIN"),
                    "two replicas for three: EXEC is never answered as done");
            // A nested MULTI is refused, but the transaction goes on: its EXEC still runs the queued write.
            assertEquals("+OK", client.call("MULTI").strip());
            assertEquals("+QUEUED", client.call("SET", "safe:tx-nested", "1").strip());
            assertTrue(client.call("MULTI").strip().startsWith("-ERR MULTI calls can not be nested"));
            assertTrue(
                    client.call("EXEC").strip().startsWith("-UNCERTAIN"),
                    "the EXEC after a refused nested MULTI still wrote");
            long waitsBefore = group.master().calls("wait");
            assertEquals("+OK", client.call("MULTI").strip());
            assertEquals("+QUEUED", client.call("GET", "safe:tx").strip());
            assertEquals("*1\r\n$1\r\n1", client.call("EXEC").strip(), "a transaction that only read waits for nobody");
            assertEquals(waitsBefore, group.master().calls("wait"));
        }
    }

    @Test
    void aBlockingPopIsAnsweredOnceReplicasHaveItAndATimeoutWaitsForNobody(RedisGroup group) throws Exception {
        try (Jedis master = group.master().client()) {
            master.rpush("safe:list", "a");
        }
        try (RunningProxy proxy = RunningProxy.start(group, config -> config.replicaAcks(3, Duration.ofMillis(300)));
                RawClient client = new RawClient(proxy.port(), 10_000)) {
            assertTrue(
                    client.call("BLPOP", "safe:list", "1").strip().startsWith("-UNCERTAIN"),
                    "the pop happened on the master, but two replicas cannot make three acknowledgements");
            assertEquals(
                    "*-1", client.call("BLPOP", "safe:empty", "0.1").strip(), "a pop that timed out wrote nothing");
        }
        try (RunningProxy proxy = RunningProxy.start(group, config -> config.replicaAcks(1, Duration.ofSeconds(1)));
                RawClient client = new RawClient(proxy.port(), 10_000);
                Jedis master = group.master().client()) {
            master.rpush("safe:list", "b");
            assertEquals(
                    "*2\r\n$9\r\nsafe:list\r\n$1\r\nb",
                    client.call("BLPOP", "safe:list", "1").strip());
        }
    }

    @Test
    void aPipelineOfWritesSharesItsWaitsAndIsAnsweredInOrder(RedisGroup group) throws Exception {
        try (RunningProxy proxy = RunningProxy.start(group, config -> config.replicaAcks(1, Duration.ofSeconds(1)));
                RawClient client = new RawClient(proxy.port(), 10_000)) {
            assertPipelineSharesWaits(group, client, "safe:pipelined");
        }
    }

    /** 200 pipelined INCRs of {@code key} are answered in order, and share far fewer WAITs than writes. */
    static void assertPipelineSharesWaits(RedisGroup group, RawClient client, String key) throws Exception {
        StringBuilder pipeline = new StringBuilder();
        int writes = 200;
        for (int i = 0; i < writes; i++) {
            pipeline.append(RawClient.command("INCR", key));
        }
        long waitsBefore = group.master().calls("wait");
        client.send(pipeline.toString().getBytes());
        for (int i = 1; i <= writes; i++) {
            assertEquals(":" + i, client.readReply().strip(), "reply " + i + " in request order");
        }
        long waits = group.master().calls("wait") - waitsBefore;
        assertTrue(
                waits >= 1 && waits < writes / 4,
                "batches share their WAIT: " + waits + " WAITs for " + writes + " writes");
    }

    @Test
    void aScriptThatMayWriteWaitsAndOneFlaggedNoWritesDoesNot(RedisGroup group) throws Exception {
        try (RunningProxy proxy = RunningProxy.start(group, config -> config.replicaAcks(3, Duration.ofMillis(300)));
                RawClient client = new RawClient(proxy.port(), 10_000)) {
            String writing = client.call("EVAL", "return redis.call('SET', KEYS[1], 'v')", "1", "safe:script")
                    .strip();
            assertTrue(
                    writing.startsWith("-UNCERTAIN"), "a script that may write needs its acknowledgements: " + writing);
            long waitsBefore = group.master().calls("wait");
            assertEquals(
                    "$1\r\nv",
                    client.call("EVAL", "#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1])", "1", "safe:script")
                            .strip(),
                    "a script flagged no-writes is answered at once");
            assertEquals(waitsBefore, group.master().calls("wait"));
        }
    }

    @Test
    void aWriteConnectionLostWhileItsWaitIsOutLeavesTheOutcomeUnknown(RedisGroup group) throws Exception {
        try (RunningProxy proxy = RunningProxy.start(group, config -> config.replicaAcks(3, Duration.ofSeconds(5)));
                RawClient client = new RawClient(proxy.port(), 20_000);
                Jedis master = group.master().client()) {
            client.send(RawClient.command("SET", "safe:lost", "v").getBytes());
            // The batch's WAIT blocks for 5 s (two replicas for three): kill the connection it blocks.
            String[] waiting = new String[1];
            Poll.until(Duration.ofSeconds(5), "the proxy's WAIT to block on the master", () -> {
                for (String line : master.clientList().split("\n")) {
                    if (line.contains("cmd=wait") && line.contains("flags=b")) {
                        waiting[0] = line.substring(line.indexOf("id=") + 3, line.indexOf(' '));
                        return true;
                    }
                }
                return false;
            });
            master.clientKill(new redis.clients.jedis.params.ClientKillParams().id(waiting[0]));
            String reply = client.readReply().strip();
            assertTrue(
                    reply.startsWith("-UNCERTAIN redis-failover: the connection to "
                            + group.master().address() + " broke before replicas acknowledged the write"),
                    "applied on the master, maybe not elsewhere: " + reply);
            assertEquals("v", master.get("safe:lost"), "the write itself happened");
            assertEquals("+PONG", client.call("PING").strip(), "the client's connection stays open");
        }
    }
}

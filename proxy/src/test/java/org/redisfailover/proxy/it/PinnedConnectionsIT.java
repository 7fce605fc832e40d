package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisfailover.proxy.config.ReadPolicy;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RawClient;
import org.redisfailover.testing.RedisGroup;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Transactions, pub/sub and blocking commands through the proxy with real clients, against a real
 * master and replicas, with reads sent to replicas: what needs a connection of its own gets one, and
 * behaves as on Redis.
 */
@ExtendWith(RedisGroup.class)
class PinnedConnectionsIT {

    private RunningProxy proxy;
    private RedisGroup group;

    @BeforeEach
    void start(RedisGroup group) {
        this.group = group;
        proxy = RunningProxy.start(group, config -> config.readPolicy(ReadPolicy.REPLICA));
        try (Jedis master = group.master().client()) {
            master.flushAll();
        }
    }

    @AfterEach
    void stop() {
        proxy.close();
    }

    @Test
    void aBlockedReadWhoseStreamIsDeletedGetsRedisOwnUnblockedError() throws Exception {
        try (RawClient client = RawClient.connect(proxy.port());
                RawClient blocked = new RawClient(proxy.port(), 10_000)) {
            assertEquals("+OK\r\n", client.call("XGROUP", "CREATE", "events", "readers", "$", "MKSTREAM"));
            blocked.send(RawClient.command(
                    "XREADGROUP", "GROUP", "readers", "alice", "BLOCK", "0", "STREAMS", "events", ">"));
            Poll.until(Duration.ofSeconds(5), "the read to block on the master", () -> {
                try (Jedis master = group.master().client()) {
                    return master.info("clients").contains("blocked_clients:1");
                }
            });
            assertEquals(":1\r\n", client.call("DEL", "events"));
            // Redis' own answer. Before, the proxy took any UNBLOCKED for a demotion and sent the read again, which
            // then got NOGROUP.
            assertEquals("-UNBLOCKED the stream key no longer exists\r\n", blocked.readReply());
        }
    }

    @Test
    void transactionRunsAtomicallyOnTheMasterWithRedisRepliesAndErrors() {
        try (Jedis jedis = proxy.client()) {
            jedis.set("tx:counter", "10");
            Transaction transaction = jedis.multi();
            transaction.incr("tx:counter");
            transaction.get("tx:counter"); // a read inside MULTI must see the INCR: it goes to the master too
            transaction.set("tx:other", "x");
            assertEquals(List.of(11L, "11", "OK"), transaction.exec());

            Transaction discarded = jedis.multi();
            discarded.set("tx:discarded", "1");
            assertEquals("OK", discarded.discard());
            assertNull(jedis.get("tx:discarded"));

            // Redis' own errors: nesting, and a command error that aborts EXEC.
            jedis.sendCommand(redis.clients.jedis.Protocol.Command.MULTI);
            JedisDataException nested = assertThrows(
                    JedisDataException.class, () -> jedis.sendCommand(redis.clients.jedis.Protocol.Command.MULTI));
            assertEquals("ERR MULTI calls can not be nested", nested.getMessage());
            JedisDataException arity = assertThrows(
                    JedisDataException.class,
                    () -> jedis.sendCommand(redis.clients.jedis.Protocol.Command.SET, "only-a-key"));
            assertTrue(arity.getMessage().startsWith("ERR wrong number of arguments"), arity.getMessage());
            JedisDataException abort = assertThrows(
                    JedisDataException.class, () -> jedis.sendCommand(redis.clients.jedis.Protocol.Command.EXEC));
            assertEquals("EXECABORT Transaction discarded because of previous errors.", abort.getMessage());

            JedisDataException select = assertThrows(JedisDataException.class, () -> {
                jedis.sendCommand(redis.clients.jedis.Protocol.Command.MULTI);
                jedis.select(1);
            });
            assertTrue(select.getMessage().contains("SELECT inside MULTI"), select.getMessage());
            jedis.sendCommand(redis.clients.jedis.Protocol.Command.DISCARD);
            assertEquals("PONG", jedis.ping());
        }
    }

    @Test
    void watchedKeyChangedByAnotherClientMakesExecReturnNull() {
        try (Jedis watcher = proxy.client();
                Jedis other = proxy.client()) {
            watcher.set("watch:key", "1");
            watcher.watch("watch:key");
            assertEquals("1", watcher.get("watch:key")); // read after WATCH: from the master, on the pin
            other.set("watch:key", "2");
            Transaction transaction = watcher.multi();
            transaction.set("watch:key", "3");
            assertNull(transaction.exec(), "a watched key changed: EXEC must answer null");
            assertEquals("2", watcher.get("watch:key"));

            watcher.watch("watch:key");
            assertEquals("OK", watcher.unwatch());
            other.set("watch:key", "4");
            Transaction unwatched = watcher.multi();
            unwatched.set("watch:key", "5");
            assertEquals(List.of("OK"), unwatched.exec());
        }
    }

    @Test
    void pipelinedWriteBeforeMultiIsAppliedBeforeTheTransaction() throws Exception {
        try (RawClient client = new RawClient(proxy.port(), 5_000)) {
            for (int round = 0; round < 50; round++) {
                client.send(RawClient.command("SET", "order:key", "100")
                        + RawClient.command("MULTI")
                        + RawClient.command("INCR", "order:key")
                        + RawClient.command("EXEC")
                        + RawClient.command("GET", "order:key"));
                assertEquals("+OK\r\n", client.readReply(), "round " + round);
                assertEquals("+OK\r\n", client.readReply());
                assertEquals("+QUEUED\r\n", client.readReply());
                assertEquals("*1\r\n:101\r\n", client.readReply(), "round " + round);
                assertEquals("$3\r\n101\r\n", client.readReply(), "round " + round);
            }
        }
    }

    @Test
    void transactionConnectionsAreReusedNotOpenedPerTransaction() {
        try (Jedis jedis = proxy.client();
                Jedis master = group.master().client()) {
            for (int i = 0; i < 20; i++) {
                Transaction transaction = jedis.multi();
                transaction.incr("reuse:counter");
                transaction.exec();
            }
            long before = connectionsReceived(master);
            for (int i = 0; i < 200; i++) {
                Transaction transaction = jedis.multi();
                transaction.incr("reuse:counter");
                transaction.exec();
            }
            assertEquals("220", jedis.get("reuse:counter"));
            long opened = connectionsReceived(master) - before;
            assertTrue(opened <= 2, "200 transactions opened " + opened + " master connections");
        }
    }

    private static long connectionsReceived(Jedis node) {
        for (String line : node.info("stats").split("\r\n")) {
            if (line.startsWith("total_connections_received:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1));
            }
        }
        throw new AssertionError("no total_connections_received in INFO");
    }

    @Test
    void lettuceTransactionsAndPubSubWork() throws Exception {
        RedisClient client = RedisClient.create("redis://127.0.0.1:" + proxy.port());
        try (StatefulRedisConnection<String, String> connection = client.connect();
                StatefulRedisPubSubConnection<String, String> subscriber = client.connectPubSub()) {
            RedisCommands<String, String> redis = connection.sync();
            redis.multi();
            redis.set("lettuce:tx", "1");
            redis.incr("lettuce:tx");
            TransactionResult result = redis.exec();
            assertEquals(List.of("OK", 2L), List.of(result.get(0), result.get(1)));

            BlockingQueue<String> received = new LinkedBlockingQueue<>();
            subscriber.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    received.add(channel + "=" + message);
                }
            });
            subscriber.sync().subscribe("lettuce:news");
            assertEquals(1L, redis.publish("lettuce:news", "hello"));
            assertEquals("lettuce:news=hello", received.poll(5, TimeUnit.SECONDS));
            subscriber.sync().unsubscribe("lettuce:news");
            assertEquals(0L, redis.publish("lettuce:news", "nobody"));
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    void subscriberGetsMessagesAndPatternsAndComesBackToNormalCommands() throws Exception {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        CompletableFuture<Void> subscribed = new CompletableFuture<>();
        JedisPubSub listener = new JedisPubSub() {
            @Override
            public void onMessage(String channel, String message) {
                received.add(channel + "=" + message);
            }

            @Override
            public void onPMessage(String pattern, String channel, String message) {
                received.add(pattern + ":" + channel + "=" + message);
            }

            @Override
            public void onPSubscribe(String pattern, int subscribedChannels) {
                subscribed.complete(null);
            }
        };
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (Jedis subscriber = proxy.client();
                Jedis publisher = proxy.client()) {
            Future<?> loop = executor.submit(() -> subscriber.subscribe(listener, "news"));
            Poll.until(Duration.ofSeconds(5), "the subscription", () -> listener.isSubscribed());
            listener.psubscribe("sport.*");
            subscribed.get(5, TimeUnit.SECONDS);
            assertEquals(1L, publisher.publish("news", "one"));
            assertEquals(1L, publisher.publish("sport.tennis", "two"));
            assertEquals("news=one", received.poll(5, TimeUnit.SECONDS));
            assertEquals("sport.*:sport.tennis=two", received.poll(5, TimeUnit.SECONDS));
            assertEquals(List.of("news", "1"), numsub(publisher, "news"));
            listener.unsubscribe();
            listener.punsubscribe();
            loop.get(5, TimeUnit.SECONDS);
            // The same connection leaves subscribed mode and runs ordinary commands again.
            subscriber.set("after:subscribe", "yes");
            assertEquals("yes", subscriber.get("after:subscribe"));
            assertEquals(List.of("news", "0"), numsub(publisher, "news"));
        } finally {
            executor.shutdownNow();
        }
    }

    private static List<String> numsub(Jedis jedis, String channel) {
        List<String> flat = new ArrayList<>();
        jedis.pubsubNumSub(channel).forEach((name, count) -> {
            flat.add(name);
            flat.add(Long.toString(count));
        });
        return flat;
    }

    @Test
    void blockedClientsDoNotHoldUpOthersAndEachIsServedOnce() throws Exception {
        int blockedClients = 20;
        ExecutorService executor = Executors.newFixedThreadPool(blockedClients);
        List<Jedis> clients = new ArrayList<>();
        try (Jedis jedis = proxy.client()) {
            List<Future<List<String>>> pops = new ArrayList<>();
            for (int i = 0; i < blockedClients; i++) {
                Jedis client = proxy.client();
                clients.add(client);
                pops.add(executor.submit(() -> client.blpop(0, "queue:jobs")));
            }
            Poll.until(
                    Duration.ofSeconds(10),
                    "every client blocked on the master",
                    () -> blockedOnMaster() == blockedClients);
            // Every client of the proxy shares its master connection: none of them may wait for the blocked ones.
            long start = System.nanoTime();
            for (int i = 0; i < 100; i++) {
                jedis.set("while:blocked", Integer.toString(i));
            }
            assertTrue(
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 5_000,
                    "writes waited for blocked clients");
            for (int i = 0; i < blockedClients; i++) {
                jedis.rpush("queue:jobs", "job" + i);
            }
            List<String> served = new ArrayList<>();
            for (Future<List<String>> pop : pops) {
                List<String> reply = pop.get(10, TimeUnit.SECONDS);
                assertEquals("queue:jobs", reply.get(0));
                served.add(reply.get(1));
            }
            assertEquals(blockedClients, served.stream().distinct().count());

            long before = System.nanoTime();
            assertNull(jedis.blpop(1, "queue:empty"), "BLPOP with a timeout answers null when nothing comes");
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before) >= 900);
            jedis.set("wait:key", "v");
            assertEquals(2L, jedis.waitReplicas(2, 5_000), "WAIT counts the replicas that have the client's writes");
        } finally {
            clients.forEach(Jedis::close);
            executor.shutdownNow();
        }
    }

    private long blockedOnMaster() {
        try (Jedis master = group.master().client()) {
            for (String line : master.info("clients").split("\r\n")) {
                if (line.startsWith("blocked_clients:")) {
                    return Long.parseLong(line.substring(line.indexOf(':') + 1));
                }
            }
        }
        return -1;
    }

    @Test
    void pipelinedPushThenBlockingPopSeesThePush() {
        try (Jedis jedis = proxy.client()) {
            for (int round = 0; round < 50; round++) {
                Pipeline pipeline = jedis.pipelined();
                pipeline.rpush("pipe:queue", "v" + round);
                Response<List<String>> popped = pipeline.blpop(5, "pipe:queue");
                Response<Long> length = pipeline.llen("pipe:queue");
                pipeline.sync();
                assertEquals(List.of("pipe:queue", "v" + round), popped.get());
                assertEquals(0L, length.get());
            }
        }
    }
}

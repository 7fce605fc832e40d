package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisfailover.testing.RawClient;
import org.redisfailover.testing.RedisGroup;

/**
 * A reply nested deeper than any fixed limit: a Lua script returning a table that contains itself. Redis
 * sends arrays nested until Lua's stack gives out, then the error, as one reply. Through the proxy the
 * client gets the same bytes, and the other clients pipelining on the same shared connection meanwhile get
 * every reply they are owed (a framer that gave up would close the connection under them).
 */
@ExtendWith(RedisGroup.class)
class DeepReplyIT {

    private static final String RECURSIVE_TABLE = "local t = {}; t[1] = t; return t";
    private static final int PIPELINERS = 4;
    private static final int PIPELINE = 2_000;

    @Test
    void aRecursiveTableIsPassedOnWholeWhileOthersShareTheConnection(RedisGroup group) throws Exception {
        String direct;
        try (RawClient redis = new RawClient(group.master().address().port(), 10_000)) {
            redis.send(RawClient.command("EVAL", RECURSIVE_TABLE, "0"));
            direct = redis.readReply();
        }
        int depth = direct.split("\\*1\r\n", -1).length - 1;
        assertTrue(
                depth > 1024 && direct.endsWith("-ERR reached lua stack limit\r\n"),
                "Redis nests past hiredis' 1024 levels: " + depth + " levels");

        // One I/O thread: every client below shares the proxy's one connection to the master.
        try (RunningProxy proxy = RunningProxy.start(group, c -> c.ioThreads(1))) {
            ExecutorService threads = Executors.newFixedThreadPool(PIPELINERS);
            CountDownLatch pipelining = new CountDownLatch(PIPELINERS);
            try {
                List<Future<String>> others = new ArrayList<>();
                for (int i = 0; i < PIPELINERS; i++) {
                    String key = "deep:counter:" + i;
                    others.add(threads.submit(() -> pipelineIncrements(proxy.port(), key, pipelining)));
                }
                assertTrue(pipelining.await(20, TimeUnit.SECONDS), "the other clients to start pipelining");
                try (RawClient client = new RawClient(proxy.port(), 20_000)) {
                    client.send(RawClient.command("EVAL", RECURSIVE_TABLE, "0"));
                    assertEquals(direct, client.readReply(), "the same bytes as from Redis itself");
                    client.send(RawClient.command("PING"));
                    assertEquals("+PONG\r\n", client.readReply(), "and the client goes on");
                }
                for (Future<String> other : others) {
                    assertEquals("", other.get(30, TimeUnit.SECONDS));
                }
            } finally {
                threads.shutdownNow();
            }
        }
    }

    /** Pipelines INCRs of {@code key}; returns what went wrong ("" when every reply came, in order). */
    private static String pipelineIncrements(int port, String key, CountDownLatch started) throws Exception {
        try (RawClient client = new RawClient(port, 20_000)) {
            String incr = RawClient.command("INCR", key);
            client.send(incr.repeat(PIPELINE / 2));
            started.countDown();
            client.send(incr.repeat(PIPELINE / 2));
            for (int i = 1; i <= PIPELINE; i++) {
                String reply = client.readReply();
                if (!(":" + i + "\r\n").equals(reply)) {
                    return key + " reply " + i + ": " + reply;
                }
            }
            return "";
        }
    }
}

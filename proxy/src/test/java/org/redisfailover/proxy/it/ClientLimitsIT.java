package org.redisfailover.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisfailover.protocol.resp.RespLimits;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RawClient;
import org.redisfailover.testing.RedisGroup;
import redis.clients.jedis.Jedis;

/** Clients that misbehave are cut off, and only they: slowloris requests, clients that never read. */
@ExtendWith(RedisGroup.class)
class ClientLimitsIT {

    @Test
    void aClientStuckInsideARequestIsClosedAfterTheDeadlineButAnIdleOneIsNot(RedisGroup group) throws IOException {
        try (RunningProxy proxy = RunningProxy.start(group, c -> c.partialRequestTimeout(Duration.ofMillis(300)));
                RawClient idle = new RawClient(proxy.port(), 50);
                RawClient stuck = new RawClient(proxy.port(), 50)) {
            idle.send(RawClient.command("PING"));
            stuck.send("*1\r\n$4\r\nPI"); // C19: Redis would wait forever
            Poll.until(Duration.ofSeconds(10), "the stuck client to be closed", stuck::drainsToClose);
            assertEquals("+PONG\r\n<open>", idle.readUntilQuietOrClosed(), "a client between requests is not closed");
        }
    }

    @Test
    void aClientThatNeverReadsIsClosedAtTheOutputLimitWhileOthersAreServed(RedisGroup group) throws IOException {
        try (Jedis master = group.master().client()) {
            master.set("limits:big", "x".repeat(100_000));
        }
        // Each client has about 1 MiB of replies in flight (its window: ten of these 100 kB values), so a client
        // that never reads makes the proxy hold about that much once its socket buffers are full: a limit under
        // it is what this client meets. At 1 MiB it could stay just under the limit for ever.
        try (RunningProxy proxy = RunningProxy.start(group, c -> c.clientOutputLimitBytes(512 * 1024));
                RawClient greedy = new RawClient(proxy.port(), 50);
                Jedis polite = proxy.client()) {
            String request = RawClient.command("GET", "limits:big");
            try {
                for (int i = 0; i < 2_000; i++) {
                    greedy.send(request);
                }
            } catch (IOException closedWhileSending) {
                // the proxy may close it before all requests are written
            }
            Poll.until(Duration.ofSeconds(20), "the client that never reads to be closed", () -> {
                assertEquals("PONG", polite.ping(), "another client is served meanwhile");
                return greedy.drainsToClose();
            });
            assertEquals("PONG", polite.ping());
        }
    }

    @Test
    void connectionsBeyondMaxClientsAreRefusedAsRedisDoes(RedisGroup group) throws IOException {
        try (RunningProxy proxy = RunningProxy.start(group, c -> c.maxClients(2));
                RawClient first = new RawClient(proxy.port(), 5_000);
                RawClient second = new RawClient(proxy.port(), 5_000)) {
            first.send(RawClient.command("PING"));
            assertEquals("+PONG\r\n", first.readReply());
            second.send(RawClient.command("PING"));
            assertEquals("+PONG\r\n", second.readReply());
            try (RawClient third = new RawClient(proxy.port(), 5_000)) {
                assertEquals("-ERR max number of clients reached\r\n<closed>", third.readUntilQuietOrClosed()); // C48
            }
            first.close();
            Poll.until(Duration.ofSeconds(10), "a slot to free up once a client leaves", () -> {
                try (RawClient next = new RawClient(proxy.port(), 5_000)) {
                    next.send(RawClient.command("PING"));
                    return "+PONG\r\n".equals(next.readReply());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    @Test
    void oversizedRequestClosesTheClientWithoutReply(RedisGroup group) throws IOException {
        try (RunningProxy proxy =
                        RunningProxy.start(group, c -> c.limits(RespLimits.DEFAULT.withMaxRequestBytes(64 * 1024)));
                RawClient client = new RawClient(proxy.port(), 5_000)) {
            client.send(RawClient.command("PING") + "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n");
            assertEquals("+PONG\r\n", client.readReply(), "earlier requests are still answered");
            assertTrue(client.isClosedByPeer());
        }
    }
}

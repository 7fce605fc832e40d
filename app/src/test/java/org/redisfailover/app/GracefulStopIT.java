package org.redisfailover.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RawClient;
import org.redisfailover.testing.ReconnectingClient;
import org.redisfailover.testing.RedisGroup;
import redis.clients.jedis.Jedis;

/**
 * SIGTERM as systemd and orchestrators send it: the proxy says not ready, stops accepting, closes each
 * client once it has every reply it asked for (an idle one at once, one in MULTI after EXEC, a blocked
 * one after its reply), exits 0; a second SIGTERM ends the drain at once; and a rolling restart of every
 * proxy under load gives no client an error and runs every command exactly once.
 */
@ExtendWith(RedisGroup.class)
class GracefulStopIT {

    @Test
    void sigtermClosesEachClientAtRestAfterItsRepliesAndExitsZero(RedisGroup group, @TempDir Path dir)
            throws Exception {
        try (ProxyProcess proxy = new ProxyProcess(
                                dir.resolve("proxy.log"),
                                "--master",
                                group.master().address().toString(),
                                "--shutdown-timeout-ms",
                                "8000")
                        .start();
                RawClient idle = new RawClient(proxy.port, 10_000);
                RawClient inMulti = new RawClient(proxy.port, 10_000);
                RawClient blocked = new RawClient(proxy.port, 10_000)) {
            assertEquals("+PONG\r\n", idle.call("PING"));
            assertEquals("+OK\r\n", inMulti.call("MULTI"));
            assertEquals("+QUEUED\r\n", inMulti.call("SET", "gs:multi", "v"));
            blocked.send(RawClient.command("BLPOP", "gs:list", "3"));
            Poll.until(Duration.ofSeconds(10), "the BLPOP to block on the master", () -> blockedClients(group) == 1);

            long termAt = System.nanoTime();
            proxy.signal("TERM");
            Poll.until(
                    Duration.ofSeconds(3),
                    "/ready to say 503, shutting down",
                    () -> proxy.ready() == 503 && proxy.readyResponse().body().contains("shutting down"));
            Poll.until(Duration.ofSeconds(3), "the listener to stop accepting", () -> refused(proxy.port));
            assertTrue(idle.isClosedByPeer(), "the idle client closed");
            assertTrue(System.nanoTime() - termAt < Duration.ofSeconds(3).toNanos(), "the idle client closed at once");

            assertEquals("*1\r\n+OK\r\n", inMulti.call("EXEC"), "a transaction open at SIGTERM runs");
            assertTrue(inMulti.isClosedByPeer(), "then its client is closed");
            assertEquals("*-1\r\n", blocked.readReply(), "a blocking call in flight gets its reply");
            assertTrue(blocked.isClosedByPeer(), "then its client is closed");

            assertEquals(0, proxy.awaitExit(Duration.ofSeconds(15)), "exit status after SIGTERM");
            try (Jedis master = group.master().client()) {
                assertEquals("v", master.get("gs:multi"));
            }
            assertTrue(proxy.log().contains("every client closed at rest"), proxy.log());
        }
    }

    @Test
    void aSecondSigtermEndsTheDrainAtOnce(RedisGroup group, @TempDir Path dir) throws Exception {
        try (ProxyProcess proxy = new ProxyProcess(
                                dir.resolve("proxy.log"),
                                "--master",
                                group.master().address().toString(),
                                "--shutdown-timeout-ms",
                                "60000")
                        .start();
                RawClient blocked = new RawClient(proxy.port, 10_000)) {
            blocked.send(RawClient.command("BLPOP", "gs:never", "0"));
            Poll.until(Duration.ofSeconds(10), "the BLPOP to block on the master", () -> blockedClients(group) >= 1);
            proxy.signal("TERM");
            Poll.until(Duration.ofSeconds(3), "/ready to say 503", () -> proxy.ready() == 503);
            assertEquals(-1, proxy.awaitExit(Duration.ofSeconds(1)), "the drain waits for the blocked client");
            long secondAt = System.nanoTime();
            proxy.signal("TERM");
            assertEquals(0, proxy.awaitExit(Duration.ofSeconds(5)), "exit status after the second SIGTERM");
            assertTrue(System.nanoTime() - secondAt < Duration.ofSeconds(3).toNanos(), "ended at once");
        }
    }

    /** The admin endpoint answers before ZooKeeper does, and SIGTERM while the proxy still waits for ZooKeeper ends it. */
    @Test
    void aProxyStillWaitingForZooKeeperServesItsHealthAndStopsOnSigterm(@TempDir Path dir) throws Exception {
        try (ProxyProcess proxy = new ProxyProcess(
                        dir.resolve("proxy.log"),
                        "--zk",
                        "127.0.0.1:" + org.redisfailover.testing.FreePort.next(),
                        "--zk-session-timeout-ms",
                        "30000",
                        "--fence-timeout-ms",
                        "3000")
                .launch()) {
            Poll.until(Duration.ofSeconds(20), "/health while ZooKeeper does not answer", () -> proxy.health() == 200);
            assertEquals(503, proxy.ready());
            assertTrue(
                    proxy.readyResponse().body().contains("no topology read from ZooKeeper yet"),
                    proxy.readyResponse().body());
            proxy.signal("TERM");
            assertEquals(0, proxy.awaitExit(Duration.ofSeconds(10)), "exit status after SIGTERM, still connecting");
        }
    }

    /**
     * Two proxies in front of one master, eight clients writing through whichever accepts them, and each
     * proxy stopped with SIGTERM and started again in turn. A client whose connection ends before a reply
     * connects again and sends the command again, as client libraries do: the drain never runs a command it
     * does not answer, so each counter must equal the increments acknowledged, and no client sees an error.
     */
    @Test
    void aRollingRestartOfEveryProxyUnderLoadGivesNoClientAnError(RedisGroup group, @TempDir Path dir)
            throws Exception {
        String master = group.master().address().toString();
        List<ProxyProcess> proxies = List.of(
                new ProxyProcess(dir.resolve("proxy-1.log"), "--master", master, "--shutdown-timeout-ms", "8000"),
                new ProxyProcess(dir.resolve("proxy-2.log"), "--master", master, "--shutdown-timeout-ms", "8000"));
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong resent = new AtomicLong();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        int clients = 8;
        long[] acknowledged = new long[clients];
        List<Thread> load = new ArrayList<>();
        try {
            for (ProxyProcess proxy : proxies) {
                proxy.start();
            }
            for (int c = 0; c < clients; c++) {
                int id = c;
                Thread thread = new Thread(
                        () -> {
                            ReconnectingClient client = new ReconnectingClient(
                                    proxies.stream()
                                            .map(p -> (IntSupplier) () -> p.port)
                                            .toList(),
                                    id,
                                    resent);
                            try {
                                while (running.get()) {
                                    String reply = client.call("INCR", "gs:roll:" + id);
                                    if (reply.startsWith(":")) {
                                        acknowledged[id]++;
                                    } else {
                                        errors.add(reply.trim());
                                    }
                                }
                            } catch (IOException | RuntimeException e) {
                                errors.add(e.toString());
                            } finally {
                                client.close();
                            }
                        },
                        "load-" + c);
                thread.start();
                load.add(thread);
            }
            StringBuilder drains = new StringBuilder();
            for (ProxyProcess proxy : proxies) {
                long before = total(acknowledged);
                Poll.until(
                        Duration.ofSeconds(10), "load through the proxies", () -> total(acknowledged) > before + 2_000);
                long termAt = System.nanoTime();
                proxy.signal("TERM");
                assertEquals(0, proxy.awaitExit(Duration.ofSeconds(15)), "exit status after SIGTERM");
                drains.append(' ')
                        .append((System.nanoTime() - termAt) / 1_000_000)
                        .append(" ms");
                proxy.start();
            }
            long before = total(acknowledged);
            Poll.until(Duration.ofSeconds(10), "load after the restarts", () -> total(acknowledged) > before + 2_000);
            running.set(false);
            for (Thread thread : load) {
                thread.join(20_000);
            }
            assertTrue(errors.isEmpty(), "client errors: " + errors);
            try (Jedis redis = group.master().client()) {
                for (int c = 0; c < clients; c++) {
                    assertEquals(
                            Long.toString(acknowledged[c]),
                            redis.get("gs:roll:" + c),
                            "client " + c + ": each increment ran once");
                }
            }
            System.out.printf(
                    "rolling restart of 2 proxies under %d clients: %d commands acknowledged, 0 errors, %d resent after a "
                            + "connection ended before its reply, SIGTERM to exit:%s%n",
                    clients, total(acknowledged), resent.get(), drains);
        } finally {
            running.set(false);
            for (ProxyProcess proxy : proxies) {
                proxy.close();
            }
        }
    }

    private static long total(long[] counts) {
        long sum = 0;
        for (long count : counts) {
            sum += count;
        }
        return sum;
    }

    private static boolean refused(int port) {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static long blockedClients(RedisGroup group) {
        try (Jedis master = group.master().client()) {
            String info = master.info("clients");
            int at = info.indexOf("blocked_clients:");
            return Long.parseLong(info.substring(at + "blocked_clients:".length())
                    .lines()
                    .findFirst()
                    .orElse("0")
                    .trim());
        }
    }
}

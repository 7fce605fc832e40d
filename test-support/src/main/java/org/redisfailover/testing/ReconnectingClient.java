package org.redisfailover.testing;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * A client as libraries with a connection pool behave behind a load balancer: it connects to whichever proxy
 * accepts, and when a connection ends before a command's reply it connects again and sends the command again.
 * A proxy that stops gracefully closes a connection only at rest (nothing read and unanswered), so the resent
 * command never ran: counters incremented this way stay exact.
 */
public final class ReconnectingClient implements AutoCloseable {

    private final List<IntSupplier> ports;
    private final AtomicLong resent;
    private int next;
    private RawClient connection;

    /**
     * @param ports  the proxies' ports on loopback, asked at each connection (a restarted container may have another)
     * @param first  which proxy to try first
     * @param resent counts commands sent again after their connection ended
     */
    public ReconnectingClient(List<IntSupplier> ports, int first, AtomicLong resent) {
        this.ports = ports;
        this.next = first;
        this.resent = resent;
    }

    /** The command's reply, connecting (again) as often as needed, at most 100 times. */
    public String call(String... command) throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            if (connection == null) {
                connection = connect();
            }
            String reply = connection.call(command);
            if (reply != null) {
                return reply;
            }
            resent.incrementAndGet();
            close();
        }
        throw new IOException("no reply after 100 connections");
    }

    private RawClient connect() throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        for (int attempt = 0; ; attempt++) {
            int port = ports.get(next++ % ports.size()).getAsInt();
            try {
                return new RawClient(port, 10_000);
            } catch (ConnectException refused) {
                if (System.nanoTime() > deadline || attempt > 100_000) {
                    throw refused;
                }
            }
        }
    }

    @Override
    public void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (IOException ignored) {
                // closing a connection already gone
            }
            connection = null;
        }
    }
}

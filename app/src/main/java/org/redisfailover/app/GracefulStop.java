package org.redisfailover.app;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.redisfailover.proxy.admin.AdminServer;
import org.redisfailover.proxy.server.ProxyServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * How the proxy stops: on SIGTERM (systemctl stop, an orchestrator) or SIGINT, it drains its clients
 * ({@link ProxyServer#drain}) for up to the shutdown timeout, then closes, then leaves ZooKeeper (its
 * registration goes only once it writes no more, so no monitor promotes past a proxy still writing),
 * then closes the admin endpoint, whose {@code /ready} said 503 all along; the process then exits 0, even if
 * it was still starting (waiting for ZooKeeper).
 * A second signal ends the drain at once. Any other way out of the JVM still drains, in a shutdown hook.
 */
final class GracefulStop {

    private static final Logger log = LoggerFactory.getLogger(GracefulStop.class);

    private final ProxyServer server;
    private final Duration timeout;
    private final AtomicReference<Runnable> leaveZooKeeper = new AtomicReference<>(() -> {});
    private final AtomicReference<AdminServer> admin = new AtomicReference<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicBoolean begun = new AtomicBoolean();
    private boolean closed;

    GracefulStop(ProxyServer server, Duration timeout) {
        this.server = server;
        this.timeout = timeout;
    }

    /** Handles SIGTERM and SIGINT, and adds the shutdown hook. */
    GracefulStop install() {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> signalled("SIG" + name));
            } catch (IllegalArgumentException unsupported) {
                // The JVM keeps its own handler (-Xrs, or no such signal here): the shutdown hook drains instead.
                log.info(
                        "SIG{} cannot be handled here ({}); the JVM's shutdown hook stops the proxy",
                        name,
                        unsupported.getMessage());
            }
        }
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            if (begun.compareAndSet(false, true)) {
                                drainThenClose();
                            } else {
                                closeAll();
                            }
                        },
                        "redis-failover-shutdown-hook"));
        return this;
    }

    void leaveZooKeeperWith(Runnable stop) {
        leaveZooKeeper.set(stop);
    }

    void admin(AdminServer server) {
        admin.set(server);
    }

    /** Blocks until the proxy has stopped. */
    void await() throws InterruptedException {
        stopped.await();
    }

    void signalled(String signal) {
        if (begun.compareAndSet(false, true)) {
            log.info(
                    "{}: stopping gracefully within {} ms (send it again to stop at once)", signal, timeout.toMillis());
            Thread thread = new Thread(
                    () -> {
                        drainThenClose();
                        // The main thread may still be starting (connecting to ZooKeeper): the process ends here, not
                        // there.
                        System.exit(0);
                    },
                    "redis-failover-shutdown");
            thread.start();
        } else {
            log.info("{} again: ending the drain now", signal);
            server.cutDrainShort();
        }
    }

    private void drainThenClose() {
        try {
            server.drain(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeAll();
        }
    }

    /** The proxy first (nothing more is written), then the ZooKeeper registration, then the admin endpoint. */
    synchronized void closeAll() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.close();
            leaveZooKeeper.get().run();
            AdminServer adminServer = admin.get();
            if (adminServer != null) {
                adminServer.close();
            }
        } finally {
            stopped.countDown();
        }
    }
}

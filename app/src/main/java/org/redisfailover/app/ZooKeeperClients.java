package org.redisfailover.app;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.redisfailover.protocol.topology.ZkLayout;

/** Connects a Curator client the way every subcommand does. */
final class ZooKeeperClients {

    private ZooKeeperClients() {}

    /**
     * A started client logged in with {@code access}' credentials, setting its ACLs on what it creates under
     * {@code layout}; waits up to the session timeout for the first connection (it keeps retrying after).
     */
    static CuratorFramework connect(String connectString, Duration sessionTimeout, ZkAccess access, ZkLayout layout)
            throws InterruptedException {
        CuratorFramework client = access.applyTo(
                        CuratorFrameworkFactory.builder()
                                .connectString(connectString)
                                .sessionTimeoutMs((int) sessionTimeout.toMillis())
                                .connectionTimeoutMs((int) Math.min(sessionTimeout.toMillis(), 5_000))
                                .retryPolicy(new BoundedExponentialBackoffRetry(100, 2_000, 29)),
                        layout)
                .build();
        client.start();
        client.blockUntilConnected((int) sessionTimeout.toMillis(), TimeUnit.MILLISECONDS);
        return client;
    }

    /**
     * Closes the recipes (they delete their znodes), then the client, waiting at most {@code bound}:
     * against a ZooKeeper that has stopped answering, the deletes would retry for minutes and even the
     * session's close waits for a reply, holding up the process's exit. Past the bound the closing goes
     * on in the background (a daemon thread, so it never keeps the JVM alive); the ephemeral znodes go
     * with the session.
     */
    static void closeWithin(Duration bound, CuratorFramework client, AutoCloseable... recipes) {
        Thread closer = new Thread(
                () -> {
                    for (AutoCloseable recipe : recipes) {
                        try {
                            recipe.close();
                        } catch (Exception e) {
                            // going away anyway: the session's end cleans up after us
                        }
                    }
                    client.close();
                },
                "redis-failover-zk-close");
        closer.setDaemon(true);
        closer.start();
        try {
            closer.join(bound.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package org.redisfailover.proxy.cli;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;

/** Connects a Curator client the way every subcommand does. */
final class ZooKeeperClients {

    private ZooKeeperClients() {
    }

    /** A started client; waits up to the session timeout for the first connection (it keeps retrying after). */
    static CuratorFramework connect(String connectString, Duration sessionTimeout) throws InterruptedException {
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(connectString)
                .sessionTimeoutMs((int) sessionTimeout.toMillis())
                .connectionTimeoutMs((int) Math.min(sessionTimeout.toMillis(), 5_000))
                .retryPolicy(new ExponentialBackoffRetry(100, 29, 2_000))
                .build();
        client.start();
        client.blockUntilConnected((int) sessionTimeout.toMillis(), TimeUnit.MILLISECONDS);
        return client;
    }
}

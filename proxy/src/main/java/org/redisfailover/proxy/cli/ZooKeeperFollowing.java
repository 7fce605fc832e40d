package org.redisfailover.proxy.cli;

import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.config.ZooKeeperSettings;
import org.redisfailover.proxy.server.ProxyServer;
import org.redisfailover.proxy.zk.ZkTopologyFollower;

/** Connects a running proxy to ZooKeeper and makes it follow the topology there. */
final class ZooKeeperFollowing {

    private ZooKeeperFollowing() {
    }

    /** Starts following; returns what stops it. Checks the timing rule against the negotiated session. */
    static Runnable start(ProxyConfig config, ProxyServer server) throws Exception {
        ZooKeeperSettings zk = config.zooKeeper();
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(zk.connectString())
                .sessionTimeoutMs((int) zk.sessionTimeout().toMillis())
                .connectionTimeoutMs((int) Math.min(zk.sessionTimeout().toMillis(), 5_000))
                .retryPolicy(new ExponentialBackoffRetry(100, 29, 2_000))
                .build();
        client.start();
        if (client.blockUntilConnected((int) zk.sessionTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
            int negotiated = client.getZookeeperClient().getZooKeeper().getSessionTimeout();
            if (zk.fenceTimeout().toMillis() >= negotiated) {
                client.close();
                throw new IllegalArgumentException("fence-timeout-ms " + zk.fenceTimeout().toMillis() + " is not below the session timeout "
                        + negotiated + " ms that ZooKeeper granted (its tickTime bounds it): lower --fence-timeout-ms");
            }
        }
        Topology seed = config.master() == null ? null : new Topology(1, config.master(), config.replicas());
        ZkTopologyFollower follower = new ZkTopologyFollower(client, zk, server, server.boundAddress().toString());
        follower.start(seed);
        return () -> {
            follower.close();
            client.close();
        };
    }
}

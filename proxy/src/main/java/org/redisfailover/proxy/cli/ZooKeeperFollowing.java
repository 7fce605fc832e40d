package org.redisfailover.proxy.cli;

import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.redisfailover.monitor.Monitor;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.config.ZooKeeperSettings;
import org.redisfailover.proxy.server.ProxyServer;
import org.redisfailover.proxy.zk.ZkTopologyFollower;

/** Connects a running proxy to ZooKeeper, makes it follow the topology there, and runs its co-located monitor. */
final class ZooKeeperFollowing {

    private ZooKeeperFollowing() {
    }

    /**
     * Starts following, and a co-located monitor of {@code monitorNodes} when there are any; returns what
     * stops both. Checks the timing rule against the negotiated session.
     */
    static Runnable start(ProxyConfig config, ProxyServer server, List<NodeAddress> monitorNodes, MonitorOptions monitorOptions)
            throws Exception {
        ZooKeeperSettings zk = config.zooKeeper();
        CuratorFramework client = ZooKeeperClients.connect(zk.connectString(), zk.sessionTimeout());
        if (client.getZookeeperClient().isConnected()) {
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
        Monitor monitor = null;
        if (!monitorNodes.isEmpty()) {
            monitor = new Monitor(client, monitorOptions.settings(server.boundAddress().toString(), zk.layout(), monitorNodes));
            monitor.start();
        }
        Monitor startedMonitor = monitor;
        return () -> {
            if (startedMonitor != null) {
                startedMonitor.close();
            }
            follower.close();
            client.close();
        };
    }
}

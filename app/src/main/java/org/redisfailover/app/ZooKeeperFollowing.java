package org.redisfailover.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.redisfailover.monitor.Monitor;
import org.redisfailover.monitor.NodeAccess;
import org.redisfailover.monitor.SwitchHistory;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.protocol.topology.ZkLayout;
import org.redisfailover.proxy.admin.AdminServer;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.config.ZooKeeperSettings;
import org.redisfailover.proxy.server.ProxyServer;
import org.redisfailover.proxy.zk.ZkGroupConfigStore;
import org.redisfailover.proxy.zk.ZkTopologyFollower;

/** Connects a running proxy to ZooKeeper, makes it follow the topology there, and runs its co-located monitor. */
final class ZooKeeperFollowing {

    private ZooKeeperFollowing() {}

    /** How long stopping may spend on tidying ZooKeeper before it just closes the session. */
    static final Duration CLOSE_BOUND = Duration.ofSeconds(3);

    /** A running follower (and monitor): how to stop them, and what ZooKeeper says of the group, for the admin endpoint. */
    record Running(Runnable stop, AdminServer.GroupView view) {}

    /**
     * The name this proxy and its monitor go by in ZooKeeper ({@code proxies/{id}}, {@code monitors/{id}},
     * the leader latch): unique in the group. Its listen address, unless that is a wildcard, which every
     * container listening on {@code 0.0.0.0:7379} shares: then the host's name and the port.
     */
    static String memberId(NodeAddress bound) {
        try {
            if (InetAddress.getByName(bound.host()).isAnyLocalAddress()) {
                return InetAddress.getLocalHost().getHostName() + ":" + bound.port();
            }
        } catch (UnknownHostException e) {
            // an unresolvable host name: not a wildcard; a host without a name of its own keeps the address
        }
        return bound.toString();
    }

    /**
     * Starts following, and a co-located monitor of {@code monitorNodes} when there are any; returns what
     * stops both. Checks the timing rule against the negotiated session.
     */
    static Running start(
            ProxyConfig config,
            ProxyServer server,
            List<NodeAddress> monitorNodes,
            MonitorOptions monitorOptions,
            ZkAccess zkAccess)
            throws Exception {
        ZooKeeperSettings zk = config.zooKeeper();
        CuratorFramework client =
                ZooKeeperClients.connect(zk.connectString(), zk.sessionTimeout(), zkAccess, zk.layout());
        if (client.getZookeeperClient().isConnected()) {
            int negotiated = client.getZookeeperClient().getZooKeeper().getSessionTimeout();
            if (zk.fenceTimeout().toMillis() >= negotiated) {
                client.close();
                throw new IllegalArgumentException("fence-timeout-ms "
                        + zk.fenceTimeout().toMillis() + " is not below the session timeout " + negotiated
                        + " ms that ZooKeeper granted (its tickTime bounds it): lower --fence-timeout-ms");
            }
        }
        Topology seed = config.master() == null ? null : new Topology(1, config.master(), config.replicas());
        String id = memberId(server.boundAddress());
        try {
            ReplicaAcksCheck.refuseMismatch(
                    client, zk.layout(), id, config.minReplicaAcks(), monitorOptions.allowMinReplicaAcksChange);
        } catch (IllegalArgumentException mismatch) {
            client.close();
            throw mismatch;
        }
        ZkTopologyFollower follower = new ZkTopologyFollower(
                client,
                zk,
                server.topology(),
                server::drainLoops,
                server.boundAddress().toString(),
                id,
                config.minReplicaAcks());
        // Installed before the topology is read: no client can reach a master before CONFIG SET is recorded.
        ZkGroupConfigStore configStore = new ZkGroupConfigStore(client, zk.layout(), zk.sessionTimeout());
        server.recordConfigIn(configStore);
        follower.start(seed);
        NodeAccess access = new NodeAccess(config.backendUser(), config.backendPassword(), config.backendTls());
        Monitor monitor = null;
        if (!monitorNodes.isEmpty()) {
            monitor = new Monitor(
                    client,
                    monitorOptions.settings(
                            id, zk.layout(), monitorNodes, zk.sessionTimeout(), access, config.minReplicaAcks()));
            monitor.start();
        }
        Monitor startedMonitor = monitor;
        GroupMetrics.register(server.metrics(), client, zk.layout(), monitor);
        Runnable stop = () -> ZooKeeperClients.closeWithin(
                CLOSE_BOUND, client, startedMonitor == null ? () -> {} : startedMonitor, follower, configStore);
        return new Running(stop, groupView(client, zk.layout(), access));
    }

    /** What ZooKeeper says of the group, for the admin endpoint's /topology and /events. */
    static AdminServer.GroupView groupView(CuratorFramework client, ZkLayout layout, NodeAccess access) {
        return new AdminServer.GroupView() {
            @Override
            public ObjectNode status() throws Exception {
                return StatusCommand.collect(client, layout, 10, access);
            }

            @Override
            public Object events() throws Exception {
                return SwitchHistory.recent(client, layout, SwitchHistory.LIMIT);
            }
        };
    }
}

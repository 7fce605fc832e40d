package org.redisfailover.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.KeeperException;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.protocol.topology.TopologyJson;
import org.redisfailover.protocol.topology.ZkLayout;

/** ZooKeeper as the tests use it: a started client, and the group's topology read or waited for. */
public final class ZooKeeperTestClient {

    private ZooKeeperTestClient() {}

    /** A started client, connected (or the connection still being tried after 10 s). The caller closes it. */
    public static CuratorFramework connect(String connectString, Duration sessionTimeout) throws InterruptedException {
        CuratorFramework client = CuratorFrameworkFactory.newClient(
                connectString, (int) sessionTimeout.toMillis(), 2_000, new RetryOneTime(100));
        client.start();
        client.blockUntilConnected(10, TimeUnit.SECONDS);
        return client;
    }

    /** The topology in {@code layout}; throws if there is none or it cannot be read. */
    public static Topology topology(CuratorFramework client, ZkLayout layout) throws Exception {
        return TopologyJson.decode(client.getData().forPath(layout.topology()));
    }

    /** Polls until the topology's master is a node other than {@code old}; returns that topology. */
    public static Topology awaitMasterOtherThan(
            CuratorFramework client, ZkLayout layout, NodeAddress old, Duration timeout) throws Exception {
        Poll.until(timeout, "a master other than " + old, () -> {
            try {
                Topology now = topology(client, layout);
                return now.master() != null && !now.master().equals(old);
            } catch (KeeperException.NoNodeException e) {
                return false;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        return topology(client, layout);
    }
}

package org.redisfailover.app;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.redisfailover.monitor.SwitchHistory;
import org.redisfailover.protocol.topology.SwitchEvent;
import org.redisfailover.protocol.topology.ZkLayout;

/**
 * A request an operator's command leaves for the leading monitor (the one component that changes the topology,
 * so the request never races a failover) and the answer it waits for in the failover history: the event that
 * carries the request's id. The request is ephemeral: if the command dies before the leader picks it up, it goes
 * with it.
 */
final class LeaderRequest {

    private LeaderRequest() {}

    /**
     * Connects to ZooKeeper, leaves {@code data} at {@code path} and waits up to {@code timeoutMs} for the answer to
     * {@code id}; empty (the reason printed on {@code err}, the request withdrawn) when ZooKeeper cannot be reached, the
     * request cannot be left, or no answer came.
     */
    static Optional<SwitchEvent> ask(
            ZooKeeperOptions zooKeeper,
            ZkLayout layout,
            ZkAccess access,
            String path,
            String what,
            String id,
            byte[] data,
            long timeoutMs,
            PrintWriter err)
            throws Exception {
        try (CuratorFramework client = ZooKeeperClients.connect(zooKeeper.zk, Duration.ofSeconds(10), access, layout)) {
            if (!client.getZookeeperClient().isConnected()) {
                err.println("redis-failover: cannot reach ZooKeeper at " + zooKeeper.zk);
                return Optional.empty();
            }
            return ask(client, layout, path, what, id, data, timeoutMs, err);
        }
    }

    private static Optional<SwitchEvent> ask(
            CuratorFramework client,
            ZkLayout layout,
            String path,
            String what,
            String id,
            byte[] data,
            long timeoutMs,
            PrintWriter err)
            throws Exception {
        try {
            client.create().withMode(CreateMode.EPHEMERAL).forPath(path, data);
        } catch (KeeperException.NodeExistsException e) {
            err.println("redis-failover: another " + what + " is pending under " + layout.root());
            return Optional.empty();
        } catch (KeeperException.NoNodeException e) {
            err.println("redis-failover: no replication group under " + layout.root() + " (no monitor has seeded it)");
            return Optional.empty();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < deadline) {
            Optional<SwitchEvent> answer = SwitchHistory.recent(client, layout, SwitchHistory.LIMIT).stream()
                    .filter(event -> id.equals(event.requestId()))
                    .findFirst();
            if (answer.isPresent()) {
                return answer;
            }
            Thread.sleep(50); // a bounded poll of ZooKeeper
        }
        client.delete().quietly().forPath(path);
        err.printf(
                "redis-failover: no answer within %d ms; is a monitor running for %s? The request was withdrawn "
                        + "(unless the leader had begun: see `status`).%n",
                timeoutMs, layout.root());
        return Optional.empty();
    }
}

package org.redisfailover.monitor;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * The leader's right to act, checked with ZooKeeper itself rather than from a local flag (research Z1/Z2:
 * leadership is advisory). A monitor frozen past its session, or one whose session expired unnoticed, still
 * believes it leads until Curator hears otherwise; a Redis command it sends then (a REPLICAOF of the replica
 * its successor just promoted) does harm that no compare-and-set in ZooKeeper can undo. So every Redis
 * command of a switch is preceded by {@link #confirm}: a round trip through ZooKeeper's leader ({@code sync})
 * showing that this session still owns its latch node and that the topology znode is still at the version
 * the step read or wrote.
 */
final class Leadership {

    /** Why a step stops: another monitor leads now, or the topology moved on under it. */
    static final class Lost extends Exception {
        Lost(String message) {
            super(message);
        }
    }

    private final CuratorFramework client;
    private final LeaderLatch latch;
    private final String topologyPath;

    Leadership(CuratorFramework client, LeaderLatch latch, String topologyPath) {
        this.client = client;
        this.latch = latch;
        this.topologyPath = topologyPath;
    }

    /** The local view only: whether to start a round as the leader at all. */
    boolean believed() {
        return latch.hasLeadership();
    }

    /**
     * Returns normally only if, as of now at ZooKeeper's leader, this monitor leads and the topology znode is at
     * {@code expectedVersion} (-1: it does not exist).
     */
    void confirm(int expectedVersion) throws Exception {
        if (!latch.hasLeadership()) {
            throw new Lost("this monitor no longer leads");
        }
        String ourPath = latch.getOurPath();
        if (ourPath == null) {
            throw new Lost("this monitor has no latch node");
        }
        ZooKeeper zooKeeper = client.getZookeeperClient().getZooKeeper();
        CompletableFuture<Integer> synced = new CompletableFuture<>();
        zooKeeper.sync(topologyPath, (rc, path, ctx) -> synced.complete(rc), null);
        // Both reads are queued behind the sync on this session, so they see at least what ZooKeeper's leader had.
        Stat latchNode = zooKeeper.exists(ourPath, false);
        Stat topology = zooKeeper.exists(topologyPath, false);
        int syncCode = synced.get(1, TimeUnit.SECONDS); // answered before the reads that followed it
        if (syncCode != KeeperException.Code.OK.intValue()) {
            throw new Lost("ZooKeeper did not confirm the leadership: " + KeeperException.Code.get(syncCode));
        }
        if (latchNode == null || latchNode.getEphemeralOwner() != zooKeeper.getSessionId()) {
            throw new Lost(
                    "this monitor's latch node " + ourPath + " is gone (its session ended): another monitor leads");
        }
        int version = topology == null ? -1 : topology.getVersion();
        if (version != expectedVersion) {
            throw new Lost(
                    "the topology changed meanwhile (version " + version + ", this step had " + expectedVersion + ")");
        }
    }
}

package org.redisfailover.proxy.zk;

import java.io.Closeable;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.utils.ThreadUtils;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.redisfailover.protocol.topology.GroupConfig;
import org.redisfailover.protocol.topology.ZkLayout;
import org.redisfailover.proxy.topology.GroupConfigStore;

/**
 * Records CONFIG SET and ACL changes in {@code {root}/config} ({@link GroupConfig}), merged into what is there
 * with a compare-and-set on the znode version, so that two proxies changing different things at once both keep
 * theirs. The leading monitor applies the record to every node that joins, returns or restarts.
 */
public final class ZkGroupConfigStore implements GroupConfigStore, Closeable {

    private static final int ATTEMPTS = 20;

    private final CuratorFramework client;
    private final String path;
    private final Duration bound;
    private final ExecutorService executor =
            Executors.newSingleThreadExecutor(ThreadUtils.newThreadFactory("redis-failover-config"));

    /** {@code bound}: how long a record may take before the CONFIG SET is undone (ZooKeeper unreachable). */
    public ZkGroupConfigStore(CuratorFramework client, ZkLayout layout, Duration bound) {
        this.client = client;
        this.path = layout.config();
        this.bound = bound;
    }

    @Override
    public CompletionStage<Void> record(UnaryOperator<GroupConfig> change) {
        return CompletableFuture.runAsync(() -> merge(change), executor)
                .orTimeout(bound.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void merge(UnaryOperator<GroupConfig> change) {
        try {
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                Stat stat = new Stat();
                try {
                    byte[] data = client.getData().storingStatIn(stat).forPath(path);
                    client.setData()
                            .withVersion(stat.getVersion())
                            .forPath(
                                    path, change.apply(GroupConfig.decode(data)).encode());
                    return;
                } catch (KeeperException.NoNodeException absent) {
                    try {
                        client.create()
                                .creatingParentsIfNeeded()
                                .forPath(path, change.apply(GroupConfig.EMPTY).encode());
                        return;
                    } catch (KeeperException.NodeExistsException raced) {
                        // another proxy created it meanwhile: merge into theirs
                    }
                } catch (KeeperException.BadVersionException raced) {
                    // another proxy changed it meanwhile: merge again
                }
            }
            throw new IllegalStateException(
                    path + " changed " + ATTEMPTS + " times while this proxy tried to record its change");
        } catch (Exception e) {
            ThreadUtils.checkInterrupted(e);
            throw new CompletionException(e);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}

package org.redisfailover.monitor;

import java.io.Closeable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.zookeeper.KeeperException;
import org.redisfailover.protocol.topology.ProxyRegistration;
import org.redisfailover.protocol.topology.ZkLayout;

/**
 * The proxies' acknowledgements of a new epoch, from their registrations in {@code proxies/} (a Curator
 * cache wakes the waiting leader on every change; nothing polls ZooKeeper).
 *
 * <p>When may the leader promote a new master after writing epoch e? Once every proxy that could still be
 * writing to the old one has stopped. A proxy writes only while its ZooKeeper lease holds: it lapses its
 * {@code fenceTimeoutMs} after the send time of its last answered confirmation, and every confirmation it
 * sent after e was written shows e. So, for each proxy registered when e was written (read directly after
 * the write, so none is missed): its acknowledgement, or its registration gone (its session expired, which
 * takes longer than its lease, or it closed), or its fence timeout (plus a margin for the two clocks' rates)
 * elapsed since the write.
 */
final class ProxyAcks implements Closeable {

    /** Added to a proxy's fence timeout: clocks of two hosts run at slightly different rates. */
    static final Duration MARGIN = Duration.ofMillis(250);

    private final CuratorFramework client;
    private final ZkLayout layout;
    private final CuratorCache cache;
    private final Object changed = new Object();
    /** Counts the cache's changes (guarded by {@link #changed}), so a change between a check and the wait is not missed. */
    private long changes;
    /** How long to wait for a registration that does not say how long its proxy writes without ZooKeeper. */
    private final Duration unknownFenceWait;

    ProxyAcks(CuratorFramework client, ZkLayout layout, Duration unknownFenceWait) {
        this.client = client;
        this.layout = layout;
        this.unknownFenceWait = unknownFenceWait;
        this.cache = CuratorCache.build(client, layout.proxies());
        cache.listenable()
                .addListener(CuratorCacheListener.builder()
                        .forAll((type, before, after) -> {
                            synchronized (changed) {
                                changes++;
                                changed.notifyAll();
                            }
                        })
                        .build());
    }

    void start() {
        cache.start();
    }

    /**
     * How waiting for one epoch ended: who acknowledged it or left (its registration gone), and who was waited
     * out (it has stopped writing by itself, its lease lapsed).
     */
    record Outcome(List<String> acknowledged, List<String> waitedOut, long waitedMillis) {}

    /**
     * Waits until every proxy registered now has acknowledged {@code epoch}, left, or been waited out, counting
     * from {@code writtenAtNanos} (when the leader's write of the epoch returned). {@code stillLeading} is
     * asked between waits; a step that lost its leadership stops.
     */
    Outcome await(long epoch, long writtenAtNanos, LeadershipCheck stillLeading) throws Exception {
        Map<String, Long> deadlines = new HashMap<>();
        for (Map.Entry<String, ProxyRegistration> registered :
                readRegistrations().entrySet()) {
            Long fence = registered.getValue().fenceTimeoutMs();
            long waitNanos = (fence == null ? unknownFenceWait : Duration.ofMillis(fence))
                    .plus(MARGIN)
                    .toNanos();
            deadlines.put(registered.getKey(), writtenAtNanos + waitNanos);
        }
        List<String> acknowledged = new ArrayList<>();
        List<String> waitedOut = new ArrayList<>();
        long latest =
                deadlines.values().stream().mapToLong(Long::longValue).max().orElse(writtenAtNanos);
        for (int round = 0; !deadlines.isEmpty() && round < 1_000_000; round++) {
            long seen;
            synchronized (changed) {
                seen = changes;
            }
            long now = System.nanoTime();
            for (String proxy : new ArrayList<>(deadlines.keySet())) {
                Optional<ChildData> data = cache.get(layout.proxy(proxy));
                if (data.isPresent() ? acknowledges(data.get(), epoch) : gone(proxy)) {
                    deadlines.remove(proxy);
                    acknowledged.add(proxy);
                } else if (now - deadlines.get(proxy) >= 0) {
                    deadlines.remove(proxy);
                    waitedOut.add(proxy);
                }
            }
            if (deadlines.isEmpty() || now - latest >= 0) {
                break;
            }
            stillLeading.check();
            synchronized (changed) {
                if (changes == seen) {
                    changed.wait(
                            50); // woken by any registration change; bounded so deadlines and leadership are checked
                }
            }
        }
        return new Outcome(acknowledged, waitedOut, (System.nanoTime() - writtenAtNanos) / 1_000_000);
    }

    /** Each registered proxy's safe mode N, by id (null where its registration does not say). */
    Map<String, Integer> minReplicaAcksByProxy() {
        Map<String, Integer> byProxy = new HashMap<>();
        cache.stream().filter(data -> !data.getPath().equals(layout.proxies())).forEach(data -> {
            try {
                byProxy.put(
                        "proxy " + data.getPath().substring(data.getPath().lastIndexOf('/') + 1),
                        ProxyRegistration.decode(data.getData()).minReplicaAcks());
            } catch (IllegalArgumentException | NullPointerException unreadable) {
                // not a registration: it says nothing
            }
        });
        return byProxy;
    }

    /** The highest epoch any registered proxy has applied (0 with none): a floor for the topology's epochs. */
    long highestEpoch() {
        return cache.stream()
                .mapToLong(data -> {
                    try {
                        return ProxyRegistration.decode(data.getData()).epoch();
                    } catch (IllegalArgumentException | NullPointerException e) {
                        return 0;
                    }
                })
                .max()
                .orElse(0);
    }

    private static boolean acknowledges(ChildData data, long epoch) {
        try {
            return ProxyRegistration.decode(data.getData()).epoch() >= epoch;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Absent from the cache: confirmed gone by ZooKeeper itself (a cache may lag behind a new registration). */
    private boolean gone(String proxy) throws Exception {
        return client.checkExists().forPath(layout.proxy(proxy)) == null;
    }

    private Map<String, ProxyRegistration> readRegistrations() throws Exception {
        Map<String, ProxyRegistration> registrations = new HashMap<>();
        List<String> children;
        try {
            children = client.getChildren().forPath(layout.proxies());
        } catch (KeeperException.NoNodeException e) {
            return registrations;
        }
        for (String child : children) {
            try {
                // The list is read directly (after the epoch's write, on the same session: none is missed); the data of
                // each comes from the cache when it has it, saving a round trip per proxy while writes are held.
                Optional<ChildData> cached = cache.get(layout.proxy(child));
                byte[] data = cached.isPresent()
                        ? cached.get().getData()
                        : client.getData().forPath(layout.proxy(child));
                registrations.put(child, ProxyRegistration.decode(data));
            } catch (KeeperException.NoNodeException gone) {
                // its session ended between the listing and the read
            } catch (IllegalArgumentException unreadable) {
                registrations.put(child, new ProxyRegistration(child, 0, false, null, null));
            }
        }
        return registrations;
    }

    @Override
    public void close() {
        cache.close();
    }

    /** Asked between waits: throws when the leader may no longer act. */
    @FunctionalInterface
    interface LeadershipCheck {
        void check() throws Exception;
    }
}

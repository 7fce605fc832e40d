package org.redisfailover.monitor;

import java.io.Closeable;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.redisfailover.protocol.topology.MonitorView;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.ZkLayout;

/**
 * Every live monitor's view, from the ephemeral {@code monitors/{id}} znodes through a Curator cache: which
 * nodes it calls down, and the highest topology epoch it has seen (a floor should the topology be lost).
 */
final class MonitorViews implements Closeable {

    private final String monitorsPath;
    private final CuratorCache cache;

    /** {@code changed} is told (on Curator's thread) of every change of a view. */
    MonitorViews(CuratorFramework client, ZkLayout layout, Runnable changed) {
        this.monitorsPath = layout.monitors();
        this.cache = CuratorCache.build(client, monitorsPath);
        cache.listenable()
                .addListener(CuratorCacheListener.builder()
                        .forAll((type, before, after) -> changed.run())
                        .build());
    }

    void start() {
        cache.start();
    }

    /** The views of the monitors alive now, by id. */
    Map<String, MonitorView> live() {
        return cache.stream()
                .filter(data -> !data.getPath().equals(monitorsPath) && data.getData() != null)
                .map(ChildData::getData)
                .map(MonitorViews::viewOrNull)
                .filter(view -> view != null && view.id() != null)
                .collect(Collectors.toMap(MonitorView::id, view -> view, (a, b) -> a));
    }

    /** More than half of the live monitors call {@code node} down. */
    boolean downByMajority(NodeAddress node) {
        Map<String, MonitorView> views = live();
        long down = views.values().stream()
                .filter(view -> view.down().contains(node.toString()))
                .count();
        return !views.isEmpty() && down > views.size() / 2;
    }

    /** Each live monitor's safe mode N, by id (null where its view does not say). */
    Map<String, Integer> minReplicaAcksByMonitor() {
        Map<String, Integer> byMonitor = new java.util.HashMap<>();
        live().forEach((id, view) -> byMonitor.put("monitor " + id, view.minReplicaAcks()));
        return byMonitor;
    }

    /** The highest epoch any live monitor reports having seen (0 with none). */
    long highestEpoch() {
        return live().values().stream().mapToLong(MonitorView::epoch).max().orElse(0);
    }

    @Override
    public void close() {
        cache.close();
    }

    private static MonitorView viewOrNull(byte[] data) {
        try {
            return MonitorView.decode(data);
        } catch (IllegalArgumentException notAView) {
            return null; // not a monitor's view: it counts as none
        }
    }
}

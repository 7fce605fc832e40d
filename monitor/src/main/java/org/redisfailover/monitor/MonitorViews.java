package org.redisfailover.monitor;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.ZkLayout;

/**
 * Every live monitor's view, from the ephemeral {@code monitors/{id}} znodes through a Curator cache: which
 * nodes it calls down, and the highest topology epoch it has seen (a floor should the topology be lost).
 */
final class MonitorViews implements Closeable {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** One monitor's znode. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record View(String id, List<String> down, long epoch) {

        View {
            down = down == null ? List.of() : List.copyOf(down);
        }

        byte[] encode() {
            try {
                return MAPPER.writeValueAsBytes(this);
            } catch (IOException e) {
                throw new IllegalStateException("cannot encode " + this, e);
            }
        }

        static View decode(byte[] data) {
            try {
                return MAPPER.readValue(data, View.class);
            } catch (IOException e) {
                return null; // not a monitor's view: it counts as none
            }
        }
    }

    private final String monitorsPath;
    private final CuratorCache cache;

    /** {@code changed} is told (on Curator's thread) of every change of a view. */
    MonitorViews(CuratorFramework client, ZkLayout layout, Runnable changed) {
        this.monitorsPath = layout.monitors();
        this.cache = CuratorCache.build(client, monitorsPath);
        cache.listenable().addListener(CuratorCacheListener.builder().forAll((type, before, after) -> changed.run()).build());
    }

    void start() {
        cache.start();
    }

    /** The views of the monitors alive now, by id. */
    Map<String, View> live() {
        return cache.stream()
                .filter(data -> !data.getPath().equals(monitorsPath) && data.getData() != null)
                .map(ChildData::getData)
                .map(View::decode)
                .filter(view -> view != null && view.id() != null)
                .collect(Collectors.toMap(View::id, view -> view, (a, b) -> a));
    }

    /** More than half of the live monitors call {@code node} down. */
    boolean downByMajority(NodeAddress node) {
        Map<String, View> views = live();
        long down = views.values().stream().filter(view -> view.down().contains(node.toString())).count();
        return !views.isEmpty() && down > views.size() / 2;
    }

    /** The highest epoch any live monitor reports having seen (0 with none). */
    long highestEpoch() {
        return live().values().stream().mapToLong(View::epoch).max().orElse(0);
    }

    @Override
    public void close() {
        cache.close();
    }
}

package org.redisfailover.proxy.zk;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Closeable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.utils.ThreadUtils;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.protocol.topology.TopologyJson;
import org.redisfailover.proxy.config.ZooKeeperSettings;
import org.redisfailover.proxy.server.ProxyServer;
import org.redisfailover.proxy.server.TopologyHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a proxy follow the topology znode, and fences it when it loses ZooKeeper.
 *
 * <ul>
 *   <li>A Curator cache watches {@code {root}/topology}; each newer epoch is installed whole in the
 *       {@link TopologyHolder} (older and malformed ones are ignored: the last good one stays).</li>
 *   <li>The proxy registers itself as an ephemeral {@code {root}/proxies/{id}} holding the epoch it has
 *       applied, published only once every event loop has stopped using the previous topology: that
 *       is the acknowledgement the monitor's two-phase switch waits for.</li>
 *   <li>On SUSPENDED or LOST (act on SUSPENDED: research Z3/Z4) a timer starts; if no confirmed view
 *       returns within the fence timeout, the proxy fences itself: no master is written to until the
 *       topology has been read again after reconnecting.</li>
 * </ul>
 *
 * All ZooKeeper events are handled on one thread, in order, never on ZooKeeper's own event thread.
 */
public final class ZkTopologyFollower implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(ZkTopologyFollower.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private enum State { LATENT, STARTED, CLOSED }

    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final CuratorFramework client;
    private final ZooKeeperSettings settings;
    private final ProxyServer server;
    private final String proxyId;
    private final ScheduledExecutorService events;
    private CuratorCache cache;
    private PersistentNode registration;
    private ScheduledFuture<?> fenceTimer;

    public ZkTopologyFollower(CuratorFramework client, ZooKeeperSettings settings, ProxyServer server, String proxyId) {
        this.client = client;
        this.settings = settings;
        this.server = server;
        this.proxyId = proxyId;
        this.events = Executors.newSingleThreadScheduledExecutor(ThreadUtils.newThreadFactory("redis-failover-zk"));
    }

    /** Starts following; {@code seed} (may be null) becomes the topology if the znode does not exist yet. */
    public void start(Topology seed) throws Exception {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("Cannot be started more than once");
        }
        if (seed != null) {
            seed(seed);
        }
        client.getConnectionStateListenable().addListener((c, newState) -> onConnectionState(newState), events);
        cache = CuratorCache.build(client, settings.layout().topology(), CuratorCache.Options.SINGLE_NODE_CACHE);
        cache.listenable().addListener(CuratorCacheListener.builder()
                .forCreatesAndChanges((previous, node) -> apply(node.getData(), "watch"))
                .build(), events);
        cache.start();
        registration = new PersistentNode(client, CreateMode.EPHEMERAL, false, settings.layout().proxy(proxyId),
                registrationData());
        registration.start();
    }

    /** Creates the topology znode from the command line's view, unless someone already did. */
    private void seed(Topology seed) throws Exception {
        try {
            client.create().creatingParentsIfNeeded().forPath(settings.layout().topology(), TopologyJson.encode(seed));
            log.info("seeded {} with epoch {}: master {}, replicas {}", settings.layout().topology(), seed.epoch(), seed.master(),
                    seed.replicas());
        } catch (KeeperException.NodeExistsException alreadySeeded) {
            log.info("{} exists: following it rather than the command line's master", settings.layout().topology());
        }
    }

    private void apply(byte[] data, String source) {
        Topology topology;
        try {
            topology = TopologyJson.decode(data);
        } catch (IllegalArgumentException e) {
            log.error("ignoring invalid topology in {} ({}): {}; keeping epoch {}", settings.layout().topology(), source, e.getMessage(),
                    server.topology().current().epoch());
            return;
        }
        if (server.topology().update(topology)) {
            server.drainLoops().thenRunAsync(this::publishRegistration, events);
        }
    }

    private void onConnectionState(ConnectionState newState) {
        switch (newState) {
            case SUSPENDED, LOST -> {
                if (fenceTimer == null && !server.topology().isFenced()) {
                    log.warn("ZooKeeper connection {}: fencing writes in {} ms unless it comes back", newState,
                            settings.fenceTimeout().toMillis());
                    fenceTimer = events.schedule(this::fence, settings.fenceTimeout().toMillis(), TimeUnit.MILLISECONDS);
                }
            }
            case CONNECTED, RECONNECTED -> confirmView();
            default -> {
                // READ_ONLY: a read-only server is no confirmed view; keep waiting.
            }
        }
    }

    private void fence() {
        fenceTimer = null;
        if (client.getZookeeperClient().isConnected() && !server.topology().isFenced()) {
            return;
        }
        log.error("no confirmed ZooKeeper view for {} ms: fenced, writes are held until it returns", settings.fenceTimeout().toMillis());
        server.topology().setFenced(true);
        publishRegistration();
    }

    /** Reconnected: re-read the topology (watches may have missed changes), then lift the fence. */
    private void confirmView() {
        try {
            client.sync().forPath(settings.layout().topology());
            byte[] data = client.getData().forPath(settings.layout().topology());
            apply(data, "reconnect");
            if (fenceTimer != null) {
                fenceTimer.cancel(false);
                fenceTimer = null;
            }
            if (server.topology().isFenced()) {
                log.info("ZooKeeper view confirmed at epoch {}: fence lifted", server.topology().current().epoch());
                server.topology().setFenced(false);
                server.drainLoops().thenRunAsync(this::publishRegistration, events);
            }
        } catch (KeeperException.NoNodeException e) {
            log.warn("{} does not exist yet: waiting for a monitor to write it", settings.layout().topology());
            if (fenceTimer != null) {
                fenceTimer.cancel(false);
                fenceTimer = null;
            }
        } catch (Exception e) {
            ThreadUtils.checkInterrupted(e);
            log.warn("could not confirm the ZooKeeper view yet: {}", e.toString());
        }
    }

    /**
     * Publishes the applied epoch. The registration znode may not be created yet (just started, or
     * ZooKeeper away): then retry shortly with whatever is current by then, without blocking this thread.
     */
    private void publishRegistration() {
        if (registration == null || state.get() != State.STARTED) {
            return;
        }
        try {
            if (!registration.waitForInitialCreate(100, TimeUnit.MILLISECONDS)) {
                events.schedule(this::publishRegistration, 500, TimeUnit.MILLISECONDS);
                return;
            }
            registration.setData(registrationData());
        } catch (Exception e) {
            ThreadUtils.checkInterrupted(e);
            log.warn("could not update the proxy registration, retrying: {}", e.toString());
            events.schedule(this::publishRegistration, 500, TimeUnit.MILLISECONDS);
        }
    }

    private byte[] registrationData() {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("address", server.boundAddress().toString());
        node.put("epoch", server.topology().current().epoch());
        node.put("fenced", server.topology().isFenced());
        return node.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) != State.STARTED) {
            events.shutdownNow();
            return;
        }
        if (cache != null) {
            cache.close();
        }
        if (registration != null) {
            try {
                registration.close();
            } catch (Exception e) {
                ThreadUtils.checkInterrupted(e);
            }
        }
        events.shutdownNow();
    }

    /** The id this proxy registers under. */
    public String proxyId() {
        return proxyId;
    }
}

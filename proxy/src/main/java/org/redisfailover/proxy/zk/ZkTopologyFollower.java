package org.redisfailover.proxy.zk;

import java.io.Closeable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.utils.ThreadUtils;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.redisfailover.protocol.topology.ProxyRegistration;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.protocol.topology.TopologyJson;
import org.redisfailover.proxy.config.ZooKeeperSettings;
import org.redisfailover.proxy.topology.TopologyHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a proxy follow the topology znode, and fences it when ZooKeeper stops confirming it.
 *
 * <ul>
 *   <li>A Curator cache watches {@code {root}/topology}; each newer epoch is installed whole in the
 *       {@link TopologyHolder} (older and malformed ones are ignored: the last good one stays).</li>
 *   <li>The proxy registers itself as an ephemeral {@code {root}/proxies/{id}} ({@link ProxyRegistration})
 *       holding the epoch it has applied, published only once every event loop has stopped using the
 *       previous topology: that is the acknowledgement the monitor's two-phase switch waits for. It also
 *       says how long the proxy goes on writing without ZooKeeper, which is how long a monitor waits for
 *       it when it does not acknowledge.</li>
 *   <li>{@link ZkConfirmations} renews the write lease and fences the proxy when it lapses, on a thread
 *       of its own; the watch is only the fast path for news.</li>
 * </ul>
 *
 * Watch events and registration updates are handled on one thread, in order, never on ZooKeeper's own
 * event thread.
 */
public final class ZkTopologyFollower implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(ZkTopologyFollower.class);

    private enum State {
        LATENT,
        STARTED,
        CLOSED
    }

    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final CuratorFramework client;
    private final ZooKeeperSettings settings;
    private final TopologyHolder topology;
    /** Completes once every event loop has applied the topology installed before the call. */
    private final Supplier<CompletableFuture<Void>> drainLoops;
    /** The address clients reach this proxy at, for its registration. */
    private final String address;

    private final String proxyId;
    private final int minReplicaAcks;
    private final ScheduledExecutorService events;
    private CuratorCache cache;
    private PersistentNode registration;
    private ZkConfirmations confirmations;
    /** The newest epoch every event loop has finished applying: what the registration acknowledges. Events thread only. */
    private long drainedEpoch;

    /**
     * @param minReplicaAcks the proxy's safe mode, published in its registration: every proxy and monitor of a group must
     *                       run with the same
     */
    public ZkTopologyFollower(
            CuratorFramework client,
            ZooKeeperSettings settings,
            TopologyHolder topology,
            Supplier<CompletableFuture<Void>> drainLoops,
            String address,
            String proxyId,
            int minReplicaAcks) {
        this.minReplicaAcks = minReplicaAcks;
        this.client = client;
        this.settings = settings;
        this.topology = topology;
        this.drainLoops = drainLoops;
        this.address = address;
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
        registration = new PersistentNode(
                client, CreateMode.EPHEMERAL, false, settings.layout().proxy(proxyId), registrationData());
        registration.start();
        confirmations = new ZkConfirmations(
                client,
                settings.layout().topology(),
                settings.layout().proxy(proxyId),
                topology,
                this::install,
                () -> events.execute(this::publishRegistration));
        client.getConnectionStateListenable().addListener((c, newState) -> onConnectionState(newState), events);
        cache = CuratorCache.build(client, settings.layout().topology(), CuratorCache.Options.SINGLE_NODE_CACHE);
        cache.listenable()
                .addListener(
                        CuratorCacheListener.builder()
                                .forCreatesAndChanges((previous, node) -> apply(node.getData()))
                                .build(),
                        events);
        cache.start();
        confirmations.start();
    }

    /** Creates the topology znode from the command line's view, unless someone already did. */
    private void seed(Topology seed) throws Exception {
        try {
            client.create().creatingParentsIfNeeded().forPath(settings.layout().topology(), TopologyJson.encode(seed));
            log.info(
                    "seeded {} with epoch {}: master {}, replicas {}",
                    settings.layout().topology(),
                    seed.epoch(),
                    seed.master(),
                    seed.replicas());
        } catch (KeeperException.NodeExistsException alreadySeeded) {
            log.info(
                    "{} exists: following it rather than the command line's master",
                    settings.layout().topology());
        }
    }

    private void apply(byte[] data) {
        Topology decoded;
        try {
            decoded = TopologyJson.decode(data);
        } catch (IllegalArgumentException e) {
            log.error(
                    "ignoring invalid topology in {}: {}; keeping epoch {}",
                    settings.layout().topology(),
                    e.getMessage(),
                    topology.current().epoch());
            return;
        }
        install(decoded);
    }

    /** Installs a newer epoch (from the watch or a confirmation round); acknowledges it once every loop has applied it. */
    private void install(Topology installed) {
        if (topology.update(installed)) {
            drainLoops
                    .get()
                    .thenRunAsync(
                            () -> {
                                drainedEpoch = Math.max(drainedEpoch, installed.epoch());
                                publishRegistration();
                            },
                            events);
        }
    }

    private void onConnectionState(ConnectionState newState) {
        log.info("ZooKeeper connection {}", newState);
        if (newState == ConnectionState.RECONNECTED && confirmations != null) {
            confirmations.roundNow();
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
        return new ProxyRegistration(
                        address,
                        drainedEpoch,
                        topology.isFenced(),
                        settings.fenceTimeout().toMillis(),
                        minReplicaAcks)
                .encode();
    }

    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) != State.STARTED) {
            events.shutdownNow();
            return;
        }
        if (confirmations != null) {
            confirmations.close();
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
}

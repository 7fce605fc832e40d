package org.redisfailover.proxy.server;

import com.codahale.metrics.Meter;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.redis.RedisEncoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.redisfailover.protocol.command.CommandClassifier;
import org.redisfailover.protocol.resp.Resp3Reply;
import org.redisfailover.protocol.resp.RespRequestDecoder;
import org.redisfailover.protocol.tls.CertifiedKey;
import org.redisfailover.protocol.tls.TlsFiles;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.proxy.client.Client;
import org.redisfailover.proxy.client.ClientDrain;
import org.redisfailover.proxy.client.ClientSession;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.io.Transport;
import org.redisfailover.proxy.loop.LoopResources;
import org.redisfailover.proxy.loop.ProxyShared;
import org.redisfailover.proxy.metrics.ProxyMetrics;
import org.redisfailover.proxy.tls.TlsServerContext;
import org.redisfailover.proxy.topology.ClusterView;
import org.redisfailover.proxy.topology.GroupConfigStore;
import org.redisfailover.proxy.topology.TopologyHolder;
import org.redisfailover.proxy.topology.WriteLease;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy: accepts Redis clients and forwards their commands to the master or a replica of one
 * replication group. {@link #start()} once, {@link #close()} any number of times.
 */
public final class ProxyServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

    private enum State {
        LATENT,
        STARTED,
        CLOSED
    }

    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final ProxyShared shared;
    private final Map<EventLoop, LoopResources> loops = new ConcurrentHashMap<>();
    private final AtomicInteger clients = new AtomicInteger();
    /** The connections of clients being served (not those refused at max-clients or by protected mode): what a drain waits for. */
    private final ChannelGroup served = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
    /** Completed to cut a drain short (a second SIGTERM). */
    private final CompletableFuture<Void> drainCut = new CompletableFuture<>();

    private volatile boolean draining;
    private EventLoopGroup group;
    private Channel serverChannel;
    private Channel tlsChannel;
    private TlsServerContext tls;
    private TrafficCounter traffic;
    private NodeAddress lastMaster;
    /** Whether the master was last taken away by a planned switchover rather than a failover. */
    private boolean plannedSwitch;

    public ProxyServer(ProxyConfig config) {
        // Following ZooKeeper, the proxy knows no master until it has read the topology znode (epoch 0):
        // requests that need one are held until then.
        // In cluster mode the group topology names no master: ClusterRouting routes by the slot map instead.
        Topology topology = config.zooKeeper() != null
                ? new Topology(0, null, List.of())
                : new Topology(1, config.master(), config.replicas());
        WriteLease lease = config.zooKeeper() == null
                ? WriteLease.none()
                : new WriteLease(
                        config.zooKeeper().fenceTimeout().toNanos(),
                        config.zooKeeper().replicationGuard().toNanos());
        this.shared = new ProxyShared(
                config, CommandClassifier.standard(), new TopologyHolder(topology, lease), Transport.best());
        shared.metrics()
                .group(
                        config.zooKeeper() != null
                                ? config.zooKeeper().layout().root()
                                : config.cluster() != null
                                        ? "cluster " + config.cluster().seeds().get(0)
                                        : config.master().toString());
    }

    /** Binds the listen address and warms up backend connections; throws if the address cannot be bound. */
    public ProxyServer start() throws InterruptedException {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("Cannot be started more than once");
        }
        ProxyConfig config = shared.config();
        group = shared.transport().newGroup(config.ioThreads(), "redis-failover-io");
        for (EventExecutor executor : group) {
            EventLoop loop = (EventLoop) executor;
            LoopResources resources = new LoopResources(loop, shared, loops.isEmpty());
            loops.put(loop, resources);
            loop.execute(() -> warmUp(resources));
        }
        TopologyHolder topology = shared.topology();
        ProxyMetrics metrics = shared.metrics();
        traffic = new TrafficCounter(metrics.clientBytesIn, metrics.clientBytesOut);
        String changesHelp =
                "Times this proxy switched to a new master; kind: failover (the master failed) or switchover (planned)";
        Meter failovers = metrics.meter("master_changes", changesHelp, "kind", "failover");
        Meter switchovers = metrics.meter("master_changes", changesHelp, "kind", "switchover");
        registerGauges(metrics);
        if (config.backendTls() != null && config.backendTls().certFile() != null) {
            Instant notAfter = CertifiedKey.certificates(
                            "backend-tls-cert-file", config.backendTls().certFile())[0]
                    .getNotAfter()
                    .toInstant();
            metrics.certificateExpiry("backend-tls", () -> notAfter);
        }
        lastMaster = topology.current().master();
        shared.offsets().follow(lastMaster);
        topology.addListener((previous, current) -> {
            shared.offsets().follow(current.master());
            if (current.master() == null) {
                plannedSwitch = current.phase() == Topology.Phase.SWITCHOVER;
            }
            if (current.master() != null
                    && lastMaster != null
                    && !current.master().equals(lastMaster)) {
                // A proxy that missed the no-master epoch (cut off during the switch) counts a failover.
                (plannedSwitch ? switchovers : failovers).mark();
            }
            if (current.master() != null) {
                lastMaster = current.master();
                plannedSwitch = false;
            }
            if (previous != current) {
                log.atInfo()
                        .addKeyValue("event", "topology")
                        .addKeyValue("epoch", current.epoch())
                        .addKeyValue("master", current.master() == null ? "none" : current.master())
                        .addKeyValue("replicas", current.replicas())
                        .addKeyValue("reason", reason(previous, current))
                        .log("topology epoch {} applied", current.epoch());
            }
            loops.forEach((loop, resources) ->
                    loop.execute(() -> resources.onRoutingChanged(previous, current, topology.routedMaster())));
        });
        if (shared.cluster() != null) {
            ClusterView view = shared.cluster();
            metrics.gauge(
                    "cluster_slots_covered",
                    "Cluster mode: hash slots that have a master in the proxy's slot map (16384 when healthy)",
                    () -> view.map() == null ? 0 : view.map().covered());
            metrics.gauge(
                    "cluster_uncovered_seconds",
                    "Cluster mode: time requests found a slot with no master (its shard failing over), held meanwhile",
                    view::uncoveredSeconds);
            shared.cluster().addListener((previous, current) -> {
                // Who serves the slots: info; a replica's health as one node or another sees it: debug.
                boolean ownersChanged = previous == null || !previous.sameOwners(current);
                (ownersChanged ? log.atInfo() : log.atDebug())
                        .addKeyValue("event", "cluster_map")
                        .addKeyValue("masters", current.masters())
                        .addKeyValue("covered", current.covered())
                        .log("cluster slot map applied: {} slots covered by {}", current.covered(), current.masters());
                loops.forEach((loop, resources) -> loop.execute(() -> resources.onClusterChanged(previous, current)));
            });
        }
        if (config.tls() != null) {
            tls = new TlsServerContext(
                    config.tls(),
                    TlsFiles.bestProvider(),
                    metrics.meter(
                            "tls_handshake_failures",
                            "TLS handshakes with clients that failed (untrusted or missing client "
                                    + "certificate, plain text on the TLS port, no common protocol or cipher)"));
            metrics.certificateExpiry("tls", tls::certificateNotAfter);
        }
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(shared.transport().serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        initClient(channel, false);
                    }
                });
        serverChannel = bind(bootstrap, "listen", config.listen());
        if (tls != null) {
            tlsChannel = bind(
                    bootstrap.clone().childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            initClient(channel, true);
                        }
                    }),
                    "tls-listen",
                    config.tls().listen());
            log.info(
                    "TLS clients on {} ({}, client certificates: {})",
                    boundTlsAddress(),
                    tls.providerName(),
                    config.tls().authClients().name().toLowerCase(Locale.ROOT));
        }
        log.info(
                "redis-failover proxy listening on {} ({}, {} io threads); {}, read policy {}",
                boundAddress(),
                shared.transport().name(),
                loops.size(),
                config.zooKeeper() != null
                        ? "topology from ZooKeeper " + config.zooKeeper().connectString()
                                + config.zooKeeper().layout().topology()
                        : config.cluster() != null
                                ? "cluster mode, seeds " + config.cluster().seeds()
                                : "master " + config.master() + ", replicas " + config.replicas(),
                config.readPolicy().label());
        return this;
    }

    /** A listen address the proxy could not bind, with the option that gave it; the cause says why. */
    public static final class ListenFailure extends RuntimeException {
        private final String option;
        private final NodeAddress address;

        ListenFailure(String option, NodeAddress address, Throwable cause) {
            super(option + ": cannot listen on " + address, cause);
            this.option = option;
            this.address = address;
        }

        public String option() {
            return option;
        }

        public NodeAddress address() {
            return address;
        }
    }

    /** Binds {@code address} (given by {@code option}); on failure closes what was started and throws {@link ListenFailure}. */
    private Channel bind(ServerBootstrap bootstrap, String option, NodeAddress address) {
        try {
            return bootstrap.bind(address.host(), address.port()).sync().channel();
        } catch (Exception e) {
            close();
            throw new ListenFailure(option, address, e);
        }
    }

    private void registerGauges(ProxyMetrics metrics) {
        metrics.gauge("client_connections", "Client connections open", clients::get);
        metrics.gauge(
                "client_output_held_bytes",
                "Unsent reply bytes held for clients holding 256 KiB or more, against " + "client-output-budget-bytes",
                () -> shared.outputBudget().total());
        metrics.gauge(
                "topology_epoch",
                "The topology epoch this proxy routes by (0: none read from ZooKeeper yet)",
                () -> shared.topology().current().epoch());
        metrics.gauge(
                "fenced",
                "1 while the proxy has no confirmed ZooKeeper view and holds writes",
                () -> shared.topology().isFenced() ? 1 : 0);
        WriteLease lease = shared.topology().lease();
        if (lease.followsZooKeeper()) {
            metrics.gauge(
                    "zookeeper_confirmation_age_seconds",
                    "Seconds since the proxy sent its last ZooKeeper confirmation that was answered; it stops writing at fence-timeout-ms",
                    () -> lease.confirmationAgeNanos(System.nanoTime()) / 1e9);
            metrics.gauge(
                    "replication_confirmation_age_seconds",
                    "Seconds since the proxy sent the master the last heartbeat a replica acknowledged; it stops writing at "
                            + "replication-guard-ms (-1: the guard does not apply)",
                    () -> {
                        long age = lease.replicationAgeMillis(System.nanoTime());
                        return age < 0 ? -1 : age / 1e3;
                    });
        }
        metrics.gauge(
                "ready",
                "1 while the proxy has a master to write to and is not shutting down (the admin endpoint's /ready)",
                () -> notReadyReason() == null ? 1 : 0);
        NodeHealthGauges nodes = new NodeHealthGauges(metrics, shared.topology(), shared.reachability());
        metrics.beforeScrape(nodes::refresh);
    }

    /** Why the topology changed, in words, for the log line every change gets. */
    private static String reason(Topology previous, Topology current) {
        if (current.master() == null) {
            return current.phase() == Topology.Phase.SWITCHOVER
                    ? "switchover begun: writes held"
                    : "master lost: writes held";
        }
        if (previous.master() == null && previous.epoch() == 0) {
            return "first topology";
        }
        if (!current.master().equals(previous.master())) {
            return previous.master() == null ? "new master" : "master changed";
        }
        return current.replicas().equals(previous.replicas()) ? "epoch advanced" : "replicas changed";
    }

    /**
     * Why a load balancer should send this proxy no new clients, or null when it may (the admin endpoint's
     * /ready): it is shutting down, or cannot acknowledge writes now.
     */
    public String notReadyReason() {
        if (draining) {
            return "shutting down: clients are closed as their requests are answered";
        }
        if (shared.cluster() != null) {
            return shared.cluster().map() == null || shared.cluster().commands() == null
                    ? "the cluster's slot map is not read yet"
                    : null;
        }
        String notWritable = shared.topology().notWritableReason();
        NodeAddress master = shared.topology().current().master();
        if (notWritable == null
                && shared.config().zooKeeper() == null
                && master != null
                && !shared.reachability().reachable(master)) {
            // With a fixed master nobody fails over: while the proxy cannot reach it, every write fails.
            return "the master " + master + " is unreachable";
        }
        return notWritable;
    }

    /** The proxy's metrics, for the admin endpoint and the co-located monitor's gauges. */
    public ProxyMetrics metrics() {
        return shared.metrics();
    }

    /** The configuration in force (the last one reloaded). */
    public ProxyConfig config() {
        return shared.config();
    }

    /**
     * Puts a reloaded configuration in force without touching a client connection: read policy, timeouts
     * and limits apply to the next request (request size limits and client timeouts to connections
     * opened from now on). The caller has checked that nothing else differs (the CLI's ConfigReload):
     * addresses, databases, threads, ZooKeeper and credentials take a restart. The TLS port's certificate,
     * key and CA files are read again (a rotation): new TLS clients get them, open ones keep theirs.
     */
    public void reload(ProxyConfig reloaded) {
        if (tls != null) {
            tls.reload(reloaded.tls()); // first: unreadable or mismatched files refuse the whole reload
        }
        shared.config(reloaded);
        loops.forEach((loop, resources) -> loop.execute(() -> resources.reconfigure(reloaded)));
    }

    private void warmUp(LoopResources resources) {
        Topology topology = shared.topology().current();
        if (topology.master() != null) {
            resources.pool.warmUp(topology.master());
        }
        topology.replicas().forEach(resources.pool::warmUp);
    }

    private void initClient(SocketChannel channel, boolean secure) {
        ProxyConfig config = shared.config();
        if (secure) {
            // Even a client refused at max-clients hears why through TLS, as from Redis' tls-port.
            tls.secure(channel, config.partialRequestTimeout().toMillis());
        }
        channel.closeFuture().addListener(f -> clients.decrementAndGet());
        if (clients.incrementAndGet() > config.maxClients()) {
            // As Redis at maxclients: one error line, then close.
            shared.metrics().clientsRefused.mark();
            channel.pipeline().addLast(new RedisEncoder(), new RefuseConnection("ERR max number of clients reached"));
            return;
        }
        if (ProtectedMode.denies(config, shared.groupAccess(), channel, secure)) {
            shared.metrics().clientsDenied.mark();
            ProtectedMode.logDenial(channel, shared.groupAccess());
            channel.pipeline().addLast(new RedisEncoder(), new RefuseConnection(ProtectedMode.DENIED));
            return;
        }
        shared.metrics().clientsAccepted.mark();
        served.add(channel);
        if (shared.metrics().recording()) {
            channel.pipeline().addLast(traffic);
        }
        ClientSession session = Client.session(channel, shared, loops.get(channel.eventLoop()));
        RespRequestDecoder decoder = new RespRequestDecoder(config.limits(), session);
        if (config.requirepass() != null) {
            decoder.requireAuthentication(() -> shared.requirepass() != null);
        }
        channel.pipeline()
                .addLast(
                        new IdleStateHandler(
                                config.partialRequestTimeout().toMillis(),
                                0,
                                config.clientIdleTimeout().toMillis(),
                                TimeUnit.MILLISECONDS),
                        decoder,
                        new RedisEncoder(),
                        Resp3Reply.Encoder.INSTANCE,
                        session);
    }

    /** The TLS port actually bound; null without --tls-listen. */
    public NodeAddress boundTlsAddress() {
        if (tlsChannel == null) {
            return null;
        }
        InetSocketAddress address = (InetSocketAddress) tlsChannel.localAddress();
        return new NodeAddress(address.getHostString(), address.getPort());
    }

    /** The address actually bound (the port is chosen by the OS when the configured one is 0). */
    public NodeAddress boundAddress() {
        InetSocketAddress address = (InetSocketAddress) serverChannel.localAddress();
        return new NodeAddress(address.getHostString(), address.getPort());
    }

    /**
     * Where CONFIG SET changes are recorded once every reachable node has them (ZooKeeper, when following
     * it); install before clients can reach a master. Without one, the configured nodes are the group.
     */
    public void recordConfigIn(GroupConfigStore store) {
        shared.configStore(store);
    }

    public TopologyHolder topology() {
        return shared.topology();
    }

    /**
     * Completes once every event loop has run everything queued on it before this call, and has no
     * request left in flight on a master it stopped writing to in a planned switchover: after a
     * topology change, this is when the proxy has stopped using the old topology everywhere.
     */
    public CompletableFuture<Void> drainLoops() {
        CompletableFuture<?>[] drained = loops.entrySet().stream()
                .map(entry -> {
                    CompletableFuture<Void> done = new CompletableFuture<>();
                    entry.getKey()
                            .execute(() -> entry.getValue().retired().whenComplete((ok, error) -> done.complete(null)));
                    return done;
                })
                .toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(drained);
    }

    /**
     * The first half of a graceful stop (SIGTERM): {@link #notReadyReason()} says so at once, the listeners
     * stop accepting, and every client is closed at its first rest, when it has every reply it asked for
     * and no transaction open (an idle one at once). Clients keep being served until then. Half-way
     * through {@code timeout} the proxy stops reading the clients still open, answers what it has read
     * and closes them. Returns, within {@code timeout} or when {@link #cutDrainShort()} is called, whether
     * every client was closed that way; {@link #close()} then ends what is left.
     */
    public boolean drain(Duration timeout) throws InterruptedException {
        draining = true;
        long start = System.nanoTime();
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        if (tlsChannel != null) {
            tlsChannel.close().syncUninterruptibly();
        }
        int open = served.size();
        log.atInfo()
                .addKeyValue("event", "shutdown")
                .addKeyValue("clients", open)
                .addKeyValue("timeout_ms", timeout.toMillis())
                .log("shutting down: not ready, listeners closed, {} clients to close as they come to rest", open);
        boolean rested = awaitClients(ClientDrain.Step.CLOSE_AT_REST, start + timeout.toNanos() / 2)
                || awaitClients(ClientDrain.Step.STOP_READING, start + timeout.toNanos());
        log.atInfo()
                .addKeyValue("event", "shutdown")
                .addKeyValue("drained_ms", (System.nanoTime() - start) / 1_000_000)
                .addKeyValue("clients_left", served.size())
                .log(
                        rested
                                ? "every client closed at rest"
                                : "{} clients still open when the drain ended; closing them",
                        served.size());
        return rested;
    }

    /** Tells every served client to close at rest (in the way {@code step} says) and waits until all are gone or {@code deadline}. */
    private boolean awaitClients(ClientDrain.Step step, long deadline) throws InterruptedException {
        CompletableFuture<Void> allClosed = new CompletableFuture<>();
        served.newCloseFuture().addListener(f -> allClosed.complete(null));
        served.forEach(channel -> channel.pipeline().fireUserEventTriggered(step));
        try {
            CompletableFuture.anyOf(allClosed, drainCut)
                    .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // the deadline passed: the caller goes on
        }
        return served.isEmpty();
    }

    /** Ends a {@link #drain(Duration)} in progress at once (a second SIGTERM). */
    public void cutDrainShort() {
        drainCut.complete(null);
    }

    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) == State.CLOSED || group == null) {
            return;
        }
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        if (tlsChannel != null) {
            tlsChannel.close().syncUninterruptibly();
        }
        List<Future<?>> closes = loops.entrySet().stream()
                .<Future<?>>map(e -> e.getKey().submit(e.getValue()::close))
                .toList();
        closes.forEach(Future::syncUninterruptibly);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        log.info("redis-failover proxy stopped");
    }
}

package org.redisfailover.proxy.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.redis.RedisEncoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.redisfailover.protocol.command.CommandClassifier;
import org.redisfailover.protocol.resp.RespRequestDecoder;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.proxy.config.ProxyConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy: accepts Redis clients and forwards their commands to the master or a replica of one
 * replication group. {@link #start()} once, {@link #close()} any number of times.
 */
public final class ProxyServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

    private enum State { LATENT, STARTED, CLOSED }

    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final ProxyShared shared;
    private final Map<EventLoop, LoopResources> loops = new ConcurrentHashMap<>();
    private final AtomicInteger clients = new AtomicInteger();
    private EventLoopGroup group;
    private Channel serverChannel;

    public ProxyServer(ProxyConfig config) {
        // Following ZooKeeper, the proxy knows no master until it has read the topology znode (epoch 0):
        // requests that need one are held until then.
        Topology topology = config.zooKeeper() != null ? new Topology(0, null, java.util.List.of())
                : new Topology(1, config.master(), config.replicas());
        this.shared = new ProxyShared(config, CommandClassifier.standard(), new TopologyHolder(topology), Transport.best());
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
        topology.addListener((previous, current) -> {
            if (!java.util.Objects.equals(previous.master(), current.master())) {
                shared.offsets().clear();
            }
            if (previous != current) {
                log.info("topology epoch {} applied: master {}, replicas {}", current.epoch(),
                        current.master() == null ? "none (" + current.phase().json() + ")" : current.master(), current.replicas());
            }
            loops.forEach((loop, resources) -> loop.execute(() -> resources.onRoutingChanged(previous, current, topology.writableMaster())));
        });
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
                        initClient(channel);
                    }
                });
        try {
            serverChannel = bootstrap.bind(config.listen().host(), config.listen().port()).sync().channel();
        } catch (Exception e) {
            close();
            throw e;
        }
        log.info("redis-failover proxy listening on {} ({}, {} io threads); {}, read policy {}", boundAddress(),
                shared.transport().name(), loops.size(), config.zooKeeper() != null
                        ? "topology from ZooKeeper " + config.zooKeeper().connectString() + config.zooKeeper().layout().topology()
                        : "master " + config.master() + ", replicas " + config.replicas(),
                config.readPolicy().label());
        return this;
    }

    private void warmUp(LoopResources resources) {
        Topology topology = shared.topology().current();
        if (topology.master() != null) {
            resources.pool.warmUp(topology.master());
        }
        topology.replicas().forEach(resources.pool::warmUp);
    }

    private void initClient(SocketChannel channel) {
        ProxyConfig config = shared.config();
        channel.closeFuture().addListener(f -> clients.decrementAndGet());
        if (clients.incrementAndGet() > config.maxClients()) {
            // As Redis at maxclients: one error line, then close.
            channel.pipeline().addLast(new RedisEncoder(), new RefuseConnection("ERR max number of clients reached"));
            return;
        }
        ClientSession session = new ClientSession(shared);
        session.attach(loops.get(channel.eventLoop()));
        channel.pipeline().addLast(
                new IdleStateHandler(config.partialRequestTimeout().toMillis(), 0, config.clientIdleTimeout().toMillis(),
                        TimeUnit.MILLISECONDS),
                new RespRequestDecoder(config.limits(), session),
                new RedisEncoder(),
                Resp3Null.Encoder.INSTANCE,
                session);
    }

    /** The address actually bound (the port is chosen by the OS when the configured one is 0). */
    public NodeAddress boundAddress() {
        InetSocketAddress address = (InetSocketAddress) serverChannel.localAddress();
        return new NodeAddress(address.getHostString(), address.getPort());
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
                    entry.getKey().execute(() -> entry.getValue().retired().whenComplete((ok, error) -> done.complete(null)));
                    return done;
                })
                .toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(drained);
    }

    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) == State.CLOSED || group == null) {
            return;
        }
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        List<io.netty.util.concurrent.Future<?>> closes = loops.entrySet().stream()
                .<io.netty.util.concurrent.Future<?>>map(e -> e.getKey().submit(e.getValue()::close))
                .toList();
        closes.forEach(io.netty.util.concurrent.Future::syncUninterruptibly);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        log.info("redis-failover proxy stopped");
    }
}

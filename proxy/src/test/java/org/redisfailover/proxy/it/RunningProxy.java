package org.redisfailover.proxy.it;

import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.config.ClusterSettings;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.server.ProxyServer;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RedisCluster;
import org.redisfailover.testing.RedisGroup;
import org.redisfailover.testing.RedisProcess;
import redis.clients.jedis.Jedis;

/** An in-process proxy on a free loopback port, in front of a {@link RedisGroup}. */
public final class RunningProxy implements AutoCloseable {

    private final ProxyServer server;

    private RunningProxy(ProxyServer server) {
        this.server = server;
    }

    public static RunningProxy start(RedisGroup group, UnaryOperator<ProxyConfig.Builder> tweak) {
        return start(group.master(), group.replicas(), tweak);
    }

    /** A proxy in front of {@code master} and {@code replicas} (a group a test started itself). */
    public static RunningProxy start(
            RedisProcess master, List<RedisProcess> replicaProcesses, UnaryOperator<ProxyConfig.Builder> tweak) {
        List<NodeAddress> replicas =
                replicaProcesses.stream().map(RedisProcess::address).toList();
        ProxyConfig config = tweak.apply(
                        ProxyConfig.builder(new NodeAddress("127.0.0.1", 0), master.address(), replicas))
                .build();
        try {
            return new RunningProxy(new ProxyServer(config).start());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A proxy in cluster mode in front of {@code cluster}, seeded with one of its nodes. */
    public static RunningProxy startCluster(RedisCluster cluster, UnaryOperator<ProxyConfig.Builder> tweak) {
        ProxyConfig config = tweak.apply(ProxyConfig.builder(new NodeAddress("127.0.0.1", 0), null, List.of())
                        .cluster(ClusterSettings.of(
                                List.of(cluster.nodes().get(0).address()))))
                .build();
        try {
            RunningProxy proxy = new RunningProxy(new ProxyServer(config).start());
            Poll.until(
                    Duration.ofSeconds(10),
                    "the proxy to read the cluster's slot map",
                    () -> proxy.server().notReadyReason() == null);
            return proxy;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static RunningProxy start(RedisGroup group) {
        return start(group, config -> config);
    }

    public ProxyServer server() {
        return server;
    }

    public int port() {
        return server.boundAddress().port();
    }

    public Jedis client() {
        return new Jedis("127.0.0.1", port(), 5000);
    }

    @Override
    public void close() {
        server.close();
    }
}

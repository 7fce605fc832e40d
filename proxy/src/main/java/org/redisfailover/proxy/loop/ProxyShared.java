package org.redisfailover.proxy.loop;

import io.netty.handler.ssl.SslContext;
import java.nio.charset.StandardCharsets;
import org.redisfailover.protocol.command.CommandClassifier;
import org.redisfailover.protocol.tls.TlsFiles;
import org.redisfailover.proxy.backend.GroupAccess;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.io.Transport;
import org.redisfailover.proxy.metrics.ClusterMetrics;
import org.redisfailover.proxy.metrics.ProxyMetrics;
import org.redisfailover.proxy.topology.ClusterView;
import org.redisfailover.proxy.topology.GroupConfigStore;
import org.redisfailover.proxy.topology.ReplicationOffsets;
import org.redisfailover.proxy.topology.TopologyHolder;

/**
 * What every client session shares across threads: all immutable or thread-safe. The configuration is
 * swapped whole by a reload; readers take one snapshot per decision.
 */
public final class ProxyShared {

    private volatile ProxyConfig config;
    private final CommandClassifier classifier;
    private final TopologyHolder topology;
    private final Transport transport;
    private final ReplicationOffsets offsets = new ReplicationOffsets();
    private final ProxyMetrics metrics;
    private volatile GroupConfigStore configStore = GroupConfigStore.NONE;
    private final ClientOutputBudget outputBudget = new ClientOutputBudget();
    /** TLS to the Redis nodes, read once at start (null: plain TCP). */
    private final SslContext backendTls;
    /** Whether the group asks connections without a password for one; null when the proxy logs in with its own. */
    private final GroupAccess groupAccess;

    private final AuthFailures authFailures = new AuthFailures();
    private final NodeReachability reachability = new NodeReachability();
    private final ClientDirectory clients = new ClientDirectory();
    /** Cluster mode: the slot map and the nodes' commands (null: one replication group). */
    private final ClusterView cluster;

    private final ClusterMetrics clusterMetrics;
    /** The configuration's requirepass as bytes, swapped with it: no conversion per request. */
    private volatile byte[] requirepass;

    public ProxyShared(ProxyConfig config, CommandClassifier classifier, TopologyHolder topology, Transport transport) {
        this.config = config;
        this.classifier = classifier;
        this.topology = topology;
        this.transport = transport;
        this.metrics = config.metrics() ? ProxyMetrics.enabled() : ProxyMetrics.disabled();
        this.backendTls =
                config.backendTls() == null ? null : config.backendTls().nettyContext(TlsFiles.bestProvider());
        this.groupAccess = config.backendPassword() == null ? new GroupAccess() : null;
        this.requirepass = passwordBytes(config.requirepass());
        this.cluster = config.cluster() == null ? null : new ClusterView();
        this.clusterMetrics = config.cluster() == null ? null : new ClusterMetrics(metrics);
    }

    /** Cluster mode: the redirections followed and the slot map reads; null for one replication group. */
    public ClusterMetrics clusterMetrics() {
        return clusterMetrics;
    }

    /** Cluster mode: what is known of the cluster; null when the proxy fronts one replication group. */
    public ClusterView cluster() {
        return cluster;
    }

    public GroupAccess groupAccess() {
        return groupAccess;
    }

    public AuthFailures authFailures() {
        return authFailures;
    }

    /** The proxy's own password, or null for none. */
    public byte[] requirepass() {
        return requirepass;
    }

    SslContext backendTls() {
        return backendTls;
    }

    public ProxyConfig config() {
        return config;
    }

    /** Installs a reloaded configuration (already checked to differ only in what may change at run time). */
    public void config(ProxyConfig reloaded) {
        requirepass = passwordBytes(reloaded.requirepass());
        config = reloaded;
    }

    public CommandClassifier classifier() {
        return classifier;
    }

    public TopologyHolder topology() {
        return topology;
    }

    public Transport transport() {
        return transport;
    }

    public ReplicationOffsets offsets() {
        return offsets;
    }

    /** Where CONFIG SET changes are recorded for the whole group. */
    public GroupConfigStore configStore() {
        return configStore;
    }

    public void configStore(GroupConfigStore store) {
        configStore = store;
    }

    public ClientOutputBudget outputBudget() {
        return outputBudget;
    }

    public ProxyMetrics metrics() {
        return metrics;
    }

    /** Which nodes some loop cannot reach now, for readers off the loops. */
    /** Every client connection, for CLIENT LIST. */
    public ClientDirectory clients() {
        return clients;
    }

    public NodeReachability reachability() {
        return reachability;
    }

    /** A password as the bytes clients send in AUTH (UTF-8), or null for none. */
    public static byte[] passwordBytes(String password) {
        return password == null ? null : password.getBytes(StandardCharsets.UTF_8);
    }
}

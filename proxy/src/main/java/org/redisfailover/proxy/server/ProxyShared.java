package org.redisfailover.proxy.server;

import io.netty.handler.ssl.SslContext;
import org.redisfailover.protocol.command.CommandClassifier;
import org.redisfailover.protocol.tls.TlsFiles;
import org.redisfailover.proxy.backend.GroupAccess;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.io.Transport;
import org.redisfailover.proxy.metrics.ProxyMetrics;
import org.redisfailover.proxy.topology.GroupConfigStore;
import org.redisfailover.proxy.topology.ReplicationOffsets;
import org.redisfailover.proxy.topology.TopologyHolder;

/**
 * What every client session shares across threads: all immutable or thread-safe. The configuration is
 * swapped whole by a reload; readers take one snapshot per decision.
 */
final class ProxyShared {

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
    /** The configuration's requirepass as bytes, swapped with it: no conversion per request. */
    private volatile byte[] requirepass;

    ProxyShared(ProxyConfig config, CommandClassifier classifier, TopologyHolder topology, Transport transport) {
        this.config = config;
        this.classifier = classifier;
        this.topology = topology;
        this.transport = transport;
        this.metrics = config.metrics() ? ProxyMetrics.enabled() : ProxyMetrics.disabled();
        this.backendTls = config.backendTls() == null ? null : config.backendTls().nettyContext(TlsFiles.bestProvider());
        this.groupAccess = config.backendPassword() == null ? new GroupAccess() : null;
        this.requirepass = AuthGate.bytes(config.requirepass());
    }

    GroupAccess groupAccess() {
        return groupAccess;
    }

    AuthFailures authFailures() {
        return authFailures;
    }

    /** The proxy's own password, or null for none. */
    byte[] requirepass() {
        return requirepass;
    }

    SslContext backendTls() {
        return backendTls;
    }

    ProxyConfig config() {
        return config;
    }

    /** Installs a reloaded configuration (already checked to differ only in what may change at run time). */
    void config(ProxyConfig reloaded) {
        requirepass = AuthGate.bytes(reloaded.requirepass());
        config = reloaded;
    }

    CommandClassifier classifier() {
        return classifier;
    }

    TopologyHolder topology() {
        return topology;
    }

    Transport transport() {
        return transport;
    }

    ReplicationOffsets offsets() {
        return offsets;
    }

    /** Where CONFIG SET changes are recorded for the whole group. */
    GroupConfigStore configStore() {
        return configStore;
    }

    void configStore(GroupConfigStore store) {
        configStore = store;
    }

    ClientOutputBudget outputBudget() {
        return outputBudget;
    }

    ProxyMetrics metrics() {
        return metrics;
    }

    /** Which nodes some loop cannot reach now, for readers off the loops. */
    NodeReachability reachability() {
        return reachability;
    }
}

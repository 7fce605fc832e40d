package org.redisfailover.proxy.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.NoopMetricRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.redisfailover.protocol.command.RoutingClass;
import org.redisfailover.protocol.topology.NodeAddress;

/**
 * The proxy's metrics: counters and gauges in one Dropwizard registry, latencies as histograms of their own
 * ({@link LatencyExports}), all exported to Prometheus by {@link PrometheusText}.
 * Everything on the request path is resolved once (a histogram per routing class, a
 * {@link BackendNodeMetrics} per node) so that recording is a few uncontended adds; gauges read their
 * owners' state only when scraped.
 */
public final class ProxyMetrics {

    static final String PREFIX = "redis_failover_";

    private volatile String group;

    private final MetricRegistry registry;
    private final boolean recording;
    private final SeriesNames names = new SeriesNames();
    private final SampledLatency[] requests = new SampledLatency[RoutingClass.values().length];
    private final ConcurrentMap<NodeAddress, BackendNodeMetrics> nodes = new ConcurrentHashMap<>();
    private final List<Runnable> beforeScrape = new CopyOnWriteArrayList<>();
    private final LatencyExports latencies = new LatencyExports();

    /** Client connections of the proxy's own to Redis (transactions, blocking calls, pub/sub, AUTH). */
    public final Counter pinnedConnections;
    /** Requests held, unsent, while there is no master to write to. */
    public final Counter heldRequests;

    public final Meter heldRequestsTotal;
    /** Replies of writes kept until ZooKeeper confirms the topology again (they came back after the write lease lapsed). */
    public final Counter repliesAwaitingLease;

    public final Meter heldRequestsExpired;
    public final Meter clientBytesIn;
    public final Meter clientBytesOut;
    public final Meter clientsAccepted;
    public final Meter clientsRefused;
    public final Meter clientsDenied;
    public final Meter authFailures;
    public final Meter replicaAckWaits;
    public final Meter writesUnacknowledged;
    /** How long requests were held for a master, from their first hold to their release or expiry. */
    public final StripedHistogram heldDuration;

    private ProxyMetrics(MetricRegistry registry, boolean recording) {
        this.registry = registry;
        this.recording = recording;
        for (RoutingClass routingClass : recording ? RoutingClass.values() : new RoutingClass[0]) {
            requests[routingClass.ordinal()] = latency(
                    "request_duration_seconds",
                    "Time from reading a request to having its reply (including time held during a switch), by routing class, "
                            + "of 1 in " + SampledLatency.SAMPLE_EVERY
                            + " requests on average, at random (requests_total counts every one)",
                    "requests",
                    "Requests read from clients, by routing class",
                    "class",
                    routingClass.label());
        }
        pinnedConnections = counter(
                "pinned_connections",
                "Connections to Redis that belong to one client (transactions, blocking calls, subscriptions, AUTH, tracking)");
        heldRequests = counter("held_requests", "Requests held, unsent, while there is no master to write to");
        repliesAwaitingLease = counter(
                "replies_awaiting_lease",
                "Replies of writes that came back after the ZooKeeper write lease lapsed, kept until ZooKeeper confirms the topology again");
        heldRequestsTotal =
                meter("requests_held", "Requests that were held for a master (switch, fence or master down)");
        heldRequestsExpired = meter(
                "requests_held_expired",
                "Held requests that got an error because no master came within hold-timeout-ms or the hold queue was full");
        clientBytesIn = meter("client_bytes_read", "Bytes read from clients");
        clientBytesOut = meter("client_bytes_written", "Bytes written to clients");
        clientsAccepted = meter("client_connections_accepted", "Client connections accepted");
        clientsRefused = meter("client_connections_refused", "Client connections refused at max-clients");
        clientsDenied =
                meter("client_connections_denied", "Client connections from off this host refused by protected mode");
        authFailures = meter(
                "auth_failures", "AUTH and HELLO AUTH with a wrong password for the proxy's requirepass (WRONGPASS)");
        replicaAckWaits =
                meter("replica_ack_waits", "Safe mode: WAITs sent, one per batch of writes on a write connection");
        heldDuration = histogram(
                "held_duration_seconds",
                "How long requests were held for a master (switch, fence or master down), "
                        + "from their first hold to their release or expiry",
                StripedHistogram.LATENCY_BOUNDS);
        writesUnacknowledged = meter(
                "writes_unacknowledged",
                "Safe mode: writes answered with the outcome-unknown error, fewer than min-replica-acks replicas having acknowledged them");
    }

    /** Metrics recorded and exported. */
    public static ProxyMetrics enabled() {
        return new ProxyMetrics(new MetricRegistry(), true);
    }

    /** Nothing recorded (metrics = false): Dropwizard's no-op registry hands out no-op metrics. */
    public static ProxyMetrics disabled() {
        return new ProxyMetrics(new NoopMetricRegistry(), false);
    }

    /** The latency histogram of requests of {@code routingClass}; null when metrics are off (nothing to time). */
    public SampledLatency requests(RoutingClass routingClass) {
        return recording ? requests[routingClass.ordinal()] : null;
    }

    /** False with metrics off: callers skip even reading the clock. */
    public boolean recording() {
        return recording;
    }

    /** The metrics of one Redis node, created on first use; null when metrics are off. */
    public BackendNodeMetrics node(NodeAddress node) {
        return recording ? nodes.computeIfAbsent(node, this::newNode) : null;
    }

    private BackendNodeMetrics newNode(NodeAddress node) {
        String label = node.toString();
        Meter sent = meter("backend_requests_sent", "Requests sent to a Redis node", "node", label);
        SampledLatency latency = latency(
                "backend_duration_seconds",
                "Time from sending a request to a Redis node to its reply, "
                        + "of the requests sampled for the request latency (backend_replies_total counts every reply)",
                "backend_replies",
                "Replies from a Redis node",
                "node",
                label);
        Meter lost = meter(
                "backend_replies_lost",
                "Requests whose connection to a Redis node broke before the reply",
                "node",
                label);
        Meter failures = meter(
                "backend_connection_failures",
                "Connections to a Redis node that failed: refused, reset, timed out or no reply within backend-timeout-ms",
                "node",
                label);
        gauge(
                "backend_in_flight",
                "Requests sent to a Redis node and not yet answered",
                () -> Math.max(0, sent.getCount() - latency.getCount() - lost.getCount()),
                "node",
                label);
        return new BackendNodeMetrics(sent, latency, lost, failures);
    }

    /** Registers a gauge; {@code labels} are name, value pairs. */
    public <T> void gauge(String family, String help, Supplier<T> value, String... labels) {
        Gauge<T> gauge = value::get;
        registry.gauge(names.name(PREFIX + family, help, labels), () -> gauge);
    }

    /** Removes a gauge registered with {@link #gauge} (a replica that left the group). */
    public void removeGauge(String family, String... labels) {
        String name = names.name(PREFIX + family, null, labels);
        registry.remove(name);
        names.forget(name);
    }

    /** A monotonic count; {@code family} without the {@code _total} the export adds. */
    public Meter meter(String family, String help, String... labels) {
        return registry.meter(names.name(PREFIX + family, help, labels), StripedCounter::new);
    }

    /** A value that goes up and down, kept by its owner with inc and dec. */
    private Counter counter(String family, String help) {
        return registry.counter(names.name(PREFIX + family, help));
    }

    /** A sampled latency histogram of {@code family} and a counter of every event, {@code countFamily}. */
    private SampledLatency latency(
            String family, String help, String countFamily, String countHelp, String labelName, String labelValue) {
        SampledLatency latency = new SampledLatency();
        latencies.add(new LatencyExports.Series(
                PREFIX + family,
                help,
                PREFIX + countFamily,
                countHelp,
                List.of(labelName),
                List.of(labelValue),
                latency.histogram(),
                latency));
        return latency;
    }

    /**
     * A histogram of durations of every event (no sampling: for events that are rare, such as held requests and
     * switches), with upper bounds {@code boundsSeconds}; {@code labels} are name, value pairs.
     */
    public StripedHistogram histogram(String family, String help, double[] boundsSeconds, String... labels) {
        List<String> names = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (int i = 0; i + 1 < labels.length; i += 2) {
            names.add(labels[i]);
            values.add(labels[i + 1]);
        }
        StripedHistogram histogram = new StripedHistogram(boundsSeconds);
        if (recording) {
            latencies.add(new LatencyExports.Series(
                    PREFIX + family, help, null, null, List.copyOf(names), List.copyOf(values), histogram, null));
        }
        return histogram;
    }

    /**
     * {@code tls_certificate_expiry_seconds{certificate=...}}: seconds until a certificate the process shows
     * expires, as {@code notAfter} says now (a certificate re-read by a reload gives its new date).
     */
    public void certificateExpiry(String certificate, Supplier<Instant> notAfter) {
        gauge(
                "tls_certificate_expiry_seconds",
                "Seconds until a certificate this process shows expires (negative: expired); "
                        + "certificate: tls (the TLS port), admin-tls, backend-tls (its client certificate to Redis)",
                () -> notAfter.get().getEpochSecond() - System.currentTimeMillis() / 1000,
                "certificate",
                certificate);
    }

    /** Runs {@code refresh} before every scrape: for gauges whose set changes (replicas joining and leaving). */
    public void beforeScrape(Runnable refresh) {
        beforeScrape.add(refresh);
    }

    MetricRegistry registry() {
        return registry;
    }

    SeriesNames names() {
        return names;
    }

    LatencyExports latencies() {
        return latencies;
    }

    void refresh() {
        beforeScrape.forEach(Runnable::run);
    }

    /**
     * The replication group every series is labelled with ({@code group="..."}): the ZooKeeper path of the
     * group, or the master's address with a fixed one. Null: no label.
     */
    public void group(String name) {
        this.group = name;
    }

    String group() {
        return group;
    }
}

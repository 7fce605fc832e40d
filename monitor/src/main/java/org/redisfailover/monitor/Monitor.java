package org.redisfailover.monitor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.utils.ThreadUtils;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.protocol.topology.TopologyJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One monitor: probes every Redis node each interval, publishes which nodes it sees down in an
 * ephemeral {@code monitors/{id}}, and joins the leader latch. While it leads, it also runs the
 * {@link Coordinator}, which seeds, fails over and reconciles the topology.
 *
 * <p>A node is down for this monitor after {@code downAfterFailures} consecutive failed probes; the
 * leader acts only on a majority of live monitors' views. Probes of different nodes run in parallel so
 * that one stalled node cannot delay the verdict on the others.
 */
public final class Monitor implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(Monitor.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private enum State { LATENT, STARTED, CLOSED }

    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final CuratorFramework client;
    private final MonitorSettings settings;
    private final Map<NodeAddress, NodeProber> probers = new LinkedHashMap<>();
    private final Map<NodeAddress, Integer> consecutiveFailures = new HashMap<>();
    private final Map<NodeAddress, NodeStatus> lastReachable = new HashMap<>();
    private final Map<NodeAddress, Long> failingSinceMillis = new HashMap<>();
    private final Map<NodeAddress, Long> downSinceMillis = new HashMap<>();
    /** The latest round's status of every node, for metrics read from other threads. */
    private volatile Map<NodeAddress, NodeStatus> lastStatuses = Map.of();
    private final ScheduledExecutorService ticker;
    private final ExecutorService probeThreads;
    private final UnaryOperator<NodeAddress> dial;
    private LeaderLatch latch;
    private PersistentNode view;
    private Coordinator coordinator;

    public Monitor(CuratorFramework client, MonitorSettings settings) {
        this(client, settings, UnaryOperator.identity());
    }

    /**
     * A monitor that connects to each node at {@code dial(node)} rather than at the node's own address:
     * for a network where the monitor reaches Redis through a translation (a port mapping, or a test's
     * fault-injecting relay). Nodes keep their own addresses in ZooKeeper.
     */
    public Monitor(CuratorFramework client, MonitorSettings settings, UnaryOperator<NodeAddress> dial) {
        this.client = client;
        this.settings = settings;
        this.dial = dial;
        this.ticker = Executors.newSingleThreadScheduledExecutor(ThreadUtils.newThreadFactory("redis-failover-monitor"));
        this.probeThreads = Executors.newCachedThreadPool(ThreadUtils.newThreadFactory("redis-failover-probe"));
    }

    public void start() throws Exception {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("Cannot be started more than once");
        }
        view = new PersistentNode(client, CreateMode.EPHEMERAL, false, settings.layout().monitors() + "/" + settings.id(),
                viewData(Set.of()));
        view.start();
        latch = new LeaderLatch(client, settings.layout().leader(), settings.id());
        latch.start();
        coordinator = new Coordinator(client, settings, latch, this::prober);
        long interval = settings.probeInterval().toMillis();
        ticker.scheduleWithFixedDelay(this::tick, 0, interval, TimeUnit.MILLISECONDS);
        log.info("monitor {} watching {} under {} (probe every {} ms, down after {} failures)", settings.id(), settings.nodes(),
                settings.layout().root(), interval, settings.downAfterFailures());
    }

    /**
     * How many bytes each replica is behind its master, from this monitor's latest probe round: the
     * master's replication offset minus the replica's. Only replicas that answered and replicate from a
     * master that answered; empty before the first round.
     */
    public Map<NodeAddress, Long> replicationLag() {
        Map<NodeAddress, NodeStatus> statuses = lastStatuses;
        Map<NodeAddress, Long> lag = new java.util.TreeMap<>(java.util.Comparator.comparing(NodeAddress::toString));
        statuses.values().forEach(status -> {
            NodeStatus master = status.masterOf() == null ? null : statuses.get(status.masterOf());
            if (status.reachable() && !status.master() && master != null && master.reachable() && master.master()) {
                lag.put(status.address(), Math.max(0, master.offset() - status.offset()));
            }
        });
        return lag;
    }

    /** Whether this monitor currently leads (advisory: every action re-checks and every write is a CAS). */
    public boolean isLeader() {
        return latch != null && latch.hasLeadership();
    }

    private void tick() {
        try {
            Topology topology = coordinator.readTopology();
            Set<NodeAddress> nodes = new LinkedHashSet<>(settings.nodes());
            if (topology != null) {
                if (topology.master() != null) {
                    nodes.add(topology.master());
                    // Replicas nobody configured (added by an operator, say) are found through the master.
                    NodeStatus master = lastReachable.get(topology.master());
                    if (master != null) {
                        nodes.addAll(master.replicas());
                    }
                }
                nodes.addAll(topology.replicas());
            }
            long startedMillis = System.currentTimeMillis();
            Map<NodeAddress, NodeStatus> statuses = probeAll(nodes);
            Set<NodeAddress> down = new LinkedHashSet<>();
            statuses.forEach((node, status) -> {
                int failures = status.reachable() ? 0 : consecutiveFailures.getOrDefault(node, 0) + 1;
                consecutiveFailures.put(node, failures);
                if (status.reachable()) {
                    lastReachable.put(node, status);
                    failingSinceMillis.remove(node);
                    downSinceMillis.remove(node);
                } else {
                    failingSinceMillis.putIfAbsent(node, startedMillis);
                }
                if (failures >= settings.downAfterFailures()) {
                    down.add(node);
                    downSinceMillis.putIfAbsent(node, startedMillis);
                }
            });
            lastStatuses = Map.copyOf(statuses);
            publishView(down);
            if (latch.hasLeadership()) {
                coordinator.lead(new ProbeRound(statuses, lastReachable, failingSinceMillis, downSinceMillis));
            }
        } catch (Exception e) {
            ThreadUtils.checkInterrupted(e);
            log.warn("monitor {} tick failed: {}", settings.id(), e.toString());
        }
    }

    private Map<NodeAddress, NodeStatus> probeAll(Set<NodeAddress> nodes) throws InterruptedException {
        Map<NodeAddress, Future<NodeStatus>> pending = new LinkedHashMap<>();
        for (NodeAddress node : nodes) {
            NodeProber prober = prober(node);
            pending.put(node, probeThreads.submit(prober::probe));
        }
        Map<NodeAddress, NodeStatus> statuses = new LinkedHashMap<>();
        for (Map.Entry<NodeAddress, Future<NodeStatus>> entry : pending.entrySet()) {
            try {
                statuses.put(entry.getKey(), entry.getValue().get());
            } catch (java.util.concurrent.ExecutionException e) {
                statuses.put(entry.getKey(), NodeStatus.unreachable(entry.getKey()));
            }
        }
        return statuses;
    }

    private synchronized NodeProber prober(NodeAddress node) {
        return probers.computeIfAbsent(node, n -> new NodeProber(n, dial.apply(n), (int) settings.probeTimeout().toMillis()));
    }

    private void publishView(Set<NodeAddress> down) {
        try {
            if (view.waitForInitialCreate(0, TimeUnit.MILLISECONDS)) {
                view.setData(viewData(down));
            }
        } catch (Exception e) {
            ThreadUtils.checkInterrupted(e);
            log.debug("monitor {} could not publish its view: {}", settings.id(), e.toString());
        }
    }

    private byte[] viewData(Set<NodeAddress> down) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("id", settings.id());
        ArrayNode downNodes = root.putArray("down");
        down.forEach(node -> downNodes.add(node.toString()));
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Nodes each live monitor reports down, by monitor id (read by the leader). */
    static Map<String, Set<NodeAddress>> readViews(CuratorFramework client, String monitorsPath) throws Exception {
        Map<String, Set<NodeAddress>> views = new HashMap<>();
        List<String> children;
        try {
            children = client.getChildren().forPath(monitorsPath);
        } catch (KeeperException.NoNodeException e) {
            return views;
        }
        for (String child : children) {
            try {
                byte[] data = client.getData().forPath(monitorsPath + "/" + child);
                Set<NodeAddress> down = new LinkedHashSet<>();
                MAPPER.readTree(data).path("down").forEach(node -> down.add(NodeAddress.parse(node.asText())));
                views.put(child, down);
            } catch (KeeperException.NoNodeException gone) {
                // that monitor's session ended between the listing and the read: it is not live
            }
        }
        return views;
    }

    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) != State.STARTED) {
            return;
        }
        ticker.shutdownNow();
        probeThreads.shutdownNow();
        try {
            ticker.awaitTermination(5, TimeUnit.SECONDS);
            latch.close();
            view.close();
        } catch (Exception e) {
            ThreadUtils.checkInterrupted(e);
        }
        new ArrayList<>(probers.values()).forEach(NodeProber::close);
    }
}

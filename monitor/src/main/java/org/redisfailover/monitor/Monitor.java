package org.redisfailover.monitor;

import java.io.Closeable;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.utils.ThreadUtils;
import org.apache.zookeeper.CreateMode;
import org.redisfailover.protocol.topology.MonitorView;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.protocol.topology.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One monitor: probes every Redis node ({@link NodeProbes}, each node on its own schedule), publishes which
 * nodes it sees down in an ephemeral {@code monitors/{id}}, and joins the leader latch. While it leads, each
 * round it also runs the {@link Coordinator}, which seeds, fails over and reconciles the topology.
 *
 * <p>A node is down for this monitor after {@code downAfterFailures} consecutive failed probes; the leader
 * acts only on a majority of live monitors' views (or on proof, such as a master that restarted without
 * its data).
 */
public final class Monitor implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(Monitor.class);

    private enum State {
        LATENT,
        STARTED,
        CLOSED
    }

    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final CuratorFramework client;
    private final MonitorSettings settings;
    private final NodeProbes probes;
    private final MonitorViews views;
    private final ProxyAcks acks;
    private final GroupConfigSync configSync;
    private final ScheduledExecutorService ticker;
    private LeaderLatch latch;
    private PersistentNode view;
    private volatile Coordinator coordinator;
    /** The latest round's status of every node, for metrics read from other threads. */
    private volatile Map<NodeAddress, NodeStatus> lastStatuses = Map.of();

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
        // A verdict of its own, or another monitor's view changing, is acted on at once rather than at the next round.
        this.probes = new NodeProbes(settings, dial, this::tickNow);
        this.views = new MonitorViews(client, settings.layout(), this::tickNow);
        this.acks = new ProxyAcks(client, settings.layout(), settings.unknownProxyWait());
        this.configSync = new GroupConfigSync(client, settings.layout(), probes, this::tickNow);
        this.ticker =
                Executors.newSingleThreadScheduledExecutor(ThreadUtils.newThreadFactory("redis-failover-monitor"));
    }

    public void start() throws Exception {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("Cannot be started more than once");
        }
        views.start();
        acks.start();
        configSync.start();
        probes.watch(new LinkedHashSet<>(settings.nodes()));
        view = new PersistentNode(
                client,
                CreateMode.EPHEMERAL,
                false,
                settings.layout().monitors() + "/" + settings.id(),
                new MonitorView(settings.id(), List.of(), 0, settings.minReplicaAcks()).encode());
        view.start();
        latch = new LeaderLatch(client, settings.layout().leader(), settings.id());
        latch.start();
        Leadership leadership = new Leadership(client, latch, settings.layout().topology());
        coordinator =
                new Coordinator(client, new GroupActions(client, settings, leadership, probes, acks, views), views);
        long interval = settings.probeInterval().toMillis();
        ticker.scheduleWithFixedDelay(this::tick, interval, interval, TimeUnit.MILLISECONDS);
        log.info(
                "monitor {} watching {} under {} (probe every {} ms, down after {} failures)",
                settings.id(),
                settings.nodes(),
                settings.layout().root(),
                interval,
                settings.downAfterFailures());
    }

    /**
     * How many bytes each replica is behind its master, from this monitor's latest probes: the master's
     * replication offset minus the replica's. Only replicas that answered and replicate from a master that
     * answered; empty before the first round.
     */
    public Map<NodeAddress, Long> replicationLag() {
        Map<NodeAddress, NodeStatus> statuses = lastStatuses;
        Map<NodeAddress, Long> lag = new TreeMap<>(Comparator.comparing(NodeAddress::toString));
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

    private void tickNow() {
        if (state.get() == State.STARTED && coordinator != null) {
            try {
                ticker.execute(this::tick);
            } catch (RejectedExecutionException closing) {
                // stopping: no more rounds
            }
        }
    }

    private void tick() {
        try {
            Topology topology = coordinator.readTopology();
            probes.watch(nodesOf(topology));
            ProbeRound round = probes.snapshot();
            lastStatuses = round.now();
            publishView();
            if (latch.hasLeadership()) {
                coordinator.lead(round);
                configSync.apply(round);
            }
        } catch (Leadership.Lost e) {
            log.warn("monitor {} stopped a step: {}", settings.id(), e.getMessage());
        } catch (Exception e) {
            ThreadUtils.checkInterrupted(e);
            log.warn("monitor {} round failed: {}", settings.id(), e.toString());
        }
    }

    /** The configured nodes, the topology's, and replicas nobody configured (added by an operator) found through the master. */
    private Set<NodeAddress> nodesOf(Topology topology) {
        Set<NodeAddress> nodes = new LinkedHashSet<>(settings.nodes());
        if (topology != null) {
            if (topology.master() != null) {
                nodes.add(topology.master());
                NodeStatus master = probes.lastReachable(topology.master());
                if (master != null) {
                    nodes.addAll(master.replicas());
                }
            }
            nodes.addAll(topology.replicas());
        }
        return nodes;
    }

    private void publishView() {
        try {
            if (view.waitForInitialCreate(0, TimeUnit.MILLISECONDS)) {
                List<String> down = probes.down().stream()
                        .map(NodeAddress::toString)
                        .sorted()
                        .toList();
                MonitorView next =
                        new MonitorView(settings.id(), down, coordinator.highestEpochSeen(), settings.minReplicaAcks());
                if (!Arrays.equals(next.encode(), view.getData())) {
                    view.setData(next.encode()); // only changes are written: ZooKeeper logs every write to disk
                }
            }
        } catch (Exception e) {
            ThreadUtils.checkInterrupted(e);
            log.debug("monitor {} could not publish its view: {}", settings.id(), e.toString());
        }
    }

    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) != State.STARTED) {
            return;
        }
        ticker.shutdownNow();
        try {
            ticker.awaitTermination(5, TimeUnit.SECONDS);
            latch.close();
            view.close();
        } catch (Exception e) {
            ThreadUtils.checkInterrupted(e);
        }
        views.close();
        acks.close();
        configSync.close();
        probes.close();
    }
}

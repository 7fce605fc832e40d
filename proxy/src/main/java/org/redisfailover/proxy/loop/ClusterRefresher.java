package org.redisfailover.proxy.loop;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.redisfailover.protocol.cluster.SlotMap;
import org.redisfailover.protocol.command.ClusterCommands;
import org.redisfailover.protocol.resp.RespValue;
import org.redisfailover.protocol.resp.RespWriter;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.BackendConnection;
import org.redisfailover.proxy.backend.PendingReply;
import org.redisfailover.proxy.config.ClusterSettings;
import org.redisfailover.proxy.metrics.ClusterMetrics;
import org.redisfailover.proxy.topology.ClusterView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster mode, on one event loop: reads the slot map from the cluster on a timer and whenever a loop asks
 * (a MOVED, a lost connection to a master, a slot with no master), and the commands the nodes know once.
 * Each round asks two nodes, masters of the last map first, then every node ever seen (the seeds among
 * them), so one dead or stale node neither stops nor misleads it. {@code CLUSTER SHARDS} first (it says which
 * replicas are healthy and how far they have replicated), {@code CLUSTER SLOTS} where a node does not know it.
 * Of the answers, the one that covers more slots wins. One round is in flight at a time; asks that come
 * meanwhile make one more round when it ends, no more often than every {@value #MIN_GAP_MILLIS} ms. While a
 * shard may be failing over (a connection to a node failed, a slot had no master) the map is read every
 * {@value #URGENT_PERIOD_MILLIS} ms until the cluster names new owners, so that held requests go to a promoted
 * replica within that much of its promotion.
 */
public final class ClusterRefresher {

    private static final Logger log = LoggerFactory.getLogger(ClusterRefresher.class);
    static final long MIN_GAP_MILLIS = 20;
    /** While a shard may be failing over: how often the map is read, and for how long at most. */
    static final long URGENT_PERIOD_MILLIS = 50;

    static final long URGENT_FOR_MILLIS = 30_000;
    /** How long a round waits for its answers. */
    static final long ROUND_TIMEOUT_MILLIS = 500;
    /** Nodes asked per round. */
    private static final int ASKED = 2;

    private final ClusterView view;
    private final ClusterMetrics metrics;
    private final LoopResources loop;
    private final EventLoop eventLoop;
    private final Set<NodeAddress> known = new LinkedHashSet<>();
    private final Map<NodeAddress, BackendConnection> connections = new HashMap<>();
    private final ScheduledFuture<?> timer;
    private final NewMasters newMasters;
    private boolean inFlight;
    private boolean askedAgain;
    private long lastRoundNanos;
    /** Nodes that answered CLUSTER SHARDS with an error (an older server): asked CLUSTER SLOTS instead. */
    private final Set<NodeAddress> withoutShards = new LinkedHashSet<>();

    ClusterRefresher(
            ClusterView view,
            ClusterSettings settings,
            ClusterMetrics metrics,
            LoopResources loop,
            EventLoop eventLoop) {
        this.view = view;
        this.metrics = metrics;
        this.loop = loop;
        this.eventLoop = eventLoop;
        known.addAll(settings.seeds());
        this.newMasters = new NewMasters(loop.pool, view.scripts());
        long period = settings.refreshInterval().toMillis();
        this.timer = eventLoop.scheduleAtFixedRate(this::refresh, 0, period, TimeUnit.MILLISECONDS);
        view.onRefreshRequest(() -> eventLoop.execute(this::refresh));
    }

    private void refresh() {
        if (loop.pool.isClosed()) {
            return;
        }
        long sinceLast = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastRoundNanos);
        if (inFlight || sinceLast < MIN_GAP_MILLIS) {
            if (!askedAgain) {
                askedAgain = true;
                eventLoop.schedule(this::askedAgain, Math.max(1, MIN_GAP_MILLIS - sinceLast), TimeUnit.MILLISECONDS);
            }
            return;
        }
        inFlight = true;
        lastRoundNanos = System.nanoTime();
        List<NodeAddress> order = new ArrayList<>();
        SlotMap current = view.map();
        if (current != null) {
            order.addAll(current.masters());
        }
        order.addAll(known);
        List<NodeAddress> asked = order.stream().distinct().limit(ASKED).toList();
        Round round = new Round(asked.size());
        for (NodeAddress node : asked) {
            ask(node, round);
        }
        ClusterCommands before = view.commands();
        if (before == null || view.takeCommandsWanted()) {
            call(asked.get(0), new String[] {"COMMAND"}, reply -> {
                if (reply instanceof List<?>) {
                    ClusterCommands commands = ClusterCommands.parse(reply);
                    view.commands(commands);
                    (before == null || before.size() != commands.size() ? log.atInfo() : log.atDebug())
                            .log("cluster: {} commands known from {}", commands.size(), asked.get(0));
                    loop.held.releaseAll();
                }
            });
        }
    }

    private void askedAgain() {
        if (askedAgain) {
            askedAgain = false;
            if (inFlight) {
                askedAgain = true; // the round in flight runs this one when it ends
            } else {
                refresh();
            }
        }
    }

    /**
     * The answers of one round: the best map wins once every node asked has answered or failed, or at the round's
     * deadline with the answers in by then (a frozen node would otherwise hold the round until the backend timeout).
     */
    private final class Round {
        private int pending;
        private SlotMap best;
        private boolean over;

        Round(int pending) {
            this.pending = pending;
            eventLoop.schedule(this::end, ROUND_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        }

        void answered(SlotMap map) {
            if (over) {
                return;
            }
            if (map != null && (best == null || map.covered() > best.covered())) {
                best = map;
            }
            if (--pending == 0) {
                end();
            }
        }

        private void end() {
            if (!over) {
                over = true;
                finished(best);
            }
        }
    }

    private void ask(NodeAddress node, Round round) {
        boolean shards = !withoutShards.contains(node);
        call(node, shards ? new String[] {"CLUSTER", "SHARDS"} : new String[] {"CLUSTER", "SLOTS"}, reply -> {
            if (shards && reply instanceof RespValue.Error) {
                withoutShards.add(node);
                ask(node, round);
                return;
            }
            round.answered(shards ? SlotMap.fromShards(reply, node.host()) : SlotMap.fromSlots(reply, node.host()));
        });
    }

    private void finished(SlotMap read) {
        inFlight = false;
        if (read != null && read.covered() > 0) {
            metrics.refreshDuration.record(System.nanoTime() - lastRoundNanos);
            known.addAll(read.nodes());
            view.install(read);
            newMasters.seen(view.map());
        }
        long urgentSince = view.urgentSinceNanos();
        if (urgentSince != 0 && TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - urgentSince) > URGENT_FOR_MILLIS) {
            view.calm();
            urgentSince = 0;
        }
        if (askedAgain || urgentSince != 0) {
            askedAgain = false;
            eventLoop.schedule(
                    this::refresh, urgentSince != 0 ? URGENT_PERIOD_MILLIS : MIN_GAP_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** Sends {@code args} to {@code node} on the refresher's own connection; the parsed reply, or null, to {@code then}. */
    private void call(NodeAddress node, String[] args, Consumer<Object> then) {
        BackendConnection connection = connections.get(node);
        if (connection == null || connection.isClosed()) {
            connection = loop.pool.control(node);
            connections.put(node, connection);
        }
        connection.send(
                RespWriter.request(ByteBufAllocator.DEFAULT, args),
                new PendingReply() {
                    @Override
                    public boolean onFrame(ByteBuf buffer, int start, int length) {
                        byte[] frame = new byte[length];
                        buffer.getBytes(start, frame);
                        then.accept(RespValue.parse(frame));
                        return true;
                    }

                    @Override
                    public void lost(NodeAddress lostNode, String reason) {
                        then.accept(null);
                    }

                    @Override
                    public void refused(String errorLine) {
                        then.accept(null);
                    }
                },
                null);
    }

    void close() {
        timer.cancel(false);
        view.onRefreshRequest(() -> {});
    }
}

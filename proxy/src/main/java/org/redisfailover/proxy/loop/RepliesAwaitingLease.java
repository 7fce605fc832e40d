package org.redisfailover.proxy.loop;

import io.netty.buffer.ByteBuf;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.redisfailover.protocol.resp.Replies;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.errors.ProxyErrors;
import org.redisfailover.proxy.metrics.ProxyMetrics;
import org.redisfailover.proxy.topology.TopologyHolder;

/**
 * Replies of writes that came back from the master after the ZooKeeper write lease lapsed: sent while it held,
 * answered just after. A monitor may be promoting another master by now, so such a reply is not passed on until
 * ZooKeeper confirms the topology again: with the same master it goes to its client as Redis sent it (acknowledged
 * while the lease holds, as every write is); if the master changed or the proxy fenced itself it becomes
 * {@code UNCERTAIN}. Without this wait the write in flight at each lapse (a reconnect to another ZooKeeper server
 * is one) got {@code UNCERTAIN} though nothing had happened to the group.
 *
 * <p>Bounded in time by the fence timeout (the fence settles every one of them) and in count by each client's
 * in-flight window (a held reply still occupies its slot). One per event loop; confined to it.
 */
public final class RepliesAwaitingLease {

    private record Waiting(Consumer<Object> slot, ByteBuf reply, NodeAddress master) {}

    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private final TopologyHolder topology;
    private final ProxyMetrics metrics;

    public RepliesAwaitingLease(TopologyHolder topology, ProxyMetrics metrics) {
        this.topology = topology;
        this.metrics = metrics;
    }

    /** Keeps {@code reply} (ownership passes) until the lease holds again or the master is known to be replaced. */
    public void await(Consumer<Object> slot, ByteBuf reply) {
        waiting.add(new Waiting(slot, reply, topology.current().master()));
        metrics.repliesAwaitingLease.inc();
    }

    /** The topology, the fence or a lease changed: passes on, or fails, every reply that can be decided now. */
    public void settle() {
        if (waiting.isEmpty()) {
            return;
        }
        boolean fenced = topology.isFenced();
        NodeAddress master = topology.current().master();
        boolean acknowledges = topology.acknowledgesWrites();
        List<Waiting> decided = new ArrayList<>();
        for (Waiting each : waiting) {
            if (fenced || !Objects.equals(each.master(), master) || acknowledges) {
                decided.add(each);
            }
        }
        waiting.removeAll(decided);
        for (Waiting each : decided) {
            metrics.repliesAwaitingLease.dec();
            if (!fenced && Objects.equals(each.master(), master)) {
                each.slot().accept(each.reply());
            } else {
                each.reply().release();
                each.slot().accept(Replies.error(uncertain(each.master(), fenced)));
            }
        }
    }

    /** How many replies wait now. */
    public int size() {
        return waiting.size();
    }

    /** Proxy shutdown: what is still waiting gets its honest answer. */
    void failAll() {
        while (!waiting.isEmpty()) {
            Waiting each = waiting.poll();
            metrics.repliesAwaitingLease.dec();
            each.reply().release();
            each.slot().accept(Replies.error(uncertain(each.master(), topology.isFenced())));
        }
    }

    private String uncertain(NodeAddress master, boolean fenced) {
        String why = fenced
                ? "the proxy fenced itself (" + topology.notWritableReason() + ")"
                : "the topology changed to master " + topology.current().master() + " at epoch "
                        + topology.current().epoch();
        return ProxyErrors.answeredAfterLeaseLapsed(master, why);
    }
}

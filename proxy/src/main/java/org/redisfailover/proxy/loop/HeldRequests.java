package org.redisfailover.proxy.loop;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.errors.ProxyErrors;
import org.redisfailover.proxy.metrics.ProxyMetrics;
import org.redisfailover.proxy.topology.TopologyHolder;

/**
 * Requests that need the master while there is none to write to: during a switch (topology without a
 * master) or while the proxy is fenced. They wait here, unsent, so that clients see a pause rather
 * than errors, and go to the new master in arrival order when it is known.
 *
 * <p>Bounded in count, bytes and time: past a bound a request gets a definite error (it was never
 * sent, so an error is the truth). One per event loop; confined to it.
 */
public final class HeldRequests {

    /** Where a held request's answer goes; it keeps the time of its first hold across releases. */
    public interface Slot {
        /** Held now; only the first hold counts, so the hold timeout bounds the whole wait. */
        void heldNow(long nowNanos);

        /** When the request was first held. */
        long heldSinceNanos();
    }

    /** The lane a held request goes back to. */
    public interface Owner<S extends Slot> {
        /** The request's turn has come (the topology or a lease changed): route it again, in order. */
        void release(RedisRequest request, Route route, S slot);

        /** The request will not be sent (hold timeout, shutdown): {@code errorLine} answers it, definitely. */
        void fail(RedisRequest request, S slot, String errorLine);
    }

    private record Held<S extends Slot>(Owner<S> owner, RedisRequest request, Route route, S slot) {
        void release() {
            owner.release(request, route, slot);
        }

        void fail(String errorLine) {
            owner.fail(request, slot, errorLine);
        }
    }

    private final ArrayDeque<Held<?>> queue = new ArrayDeque<>();
    private final ProxyMetrics metrics;
    private final TopologyHolder topology;
    private int maxRequests;
    private long maxBytes;
    private long timeoutNanos;
    private long bytes;

    HeldRequests(ProxyConfig config, ProxyMetrics metrics, TopologyHolder topology) {
        this.metrics = metrics;
        this.topology = topology;
        reconfigure(config);
    }

    /** New bounds from a reload; what is held already stays (a smaller bound only stops new holds). */
    void reconfigure(ProxyConfig config) {
        this.maxRequests = config.holdMaxRequests();
        this.maxBytes = config.holdMaxBytes();
        this.timeoutNanos = config.holdTimeout().toNanos();
    }

    /** Holds the request (ownership passes); false, with nothing taken, when a bound is reached. */
    public <S extends Slot> boolean hold(Owner<S> owner, RedisRequest request, Route route, S slot) {
        if (queue.size() >= maxRequests || bytes + request.length() > maxBytes) {
            metrics.heldRequestsExpired.mark();
            return false;
        }
        // A request released and held again (the topology or a lease changed, but still no master to write to) keeps
        // its first hold time: the hold timeout bounds the whole wait, however often the holds are released.
        slot.heldNow(System.nanoTime());
        queue.add(new Held<>(owner, request, route, slot));
        bytes += request.length();
        metrics.heldRequests.inc();
        metrics.heldRequestsTotal.mark();
        return true;
    }

    /** Hands every held request back to its lane, oldest first; those still without a master come back. */
    void releaseAll() {
        if (queue.isEmpty()) {
            return;
        }
        List<Held<?>> batch = new ArrayList<>(queue);
        queue.clear();
        bytes = 0;
        metrics.heldRequests.dec(batch.size());
        for (Held<?> held : batch) {
            held.release();
        }
        // A request held again (still no master) keeps its first hold time: only those that left are timed.
        Set<Slot> stillHeld = Collections.newSetFromMap(new IdentityHashMap<>());
        queue.forEach(held -> stillHeld.add(held.slot()));
        long now = System.nanoTime();
        for (Held<?> held : batch) {
            if (!stillHeld.contains(held.slot())) {
                metrics.heldDuration.record(now - held.slot().heldSinceNanos());
            }
        }
    }

    /** Fails the requests held longer than the hold timeout (held again after a release, they keep their first hold time). */
    public void expire(long nowNanos) {
        if (queue.isEmpty()) {
            return;
        }
        List<Held<?>> expired = new ArrayList<>();
        for (Iterator<Held<?>> it = queue.iterator(); it.hasNext(); ) {
            Held<?> held = it.next();
            if (nowNanos - held.slot().heldSinceNanos() > timeoutNanos) {
                it.remove();
                bytes -= held.request().length();
                expired.add(held);
            }
        }
        // Answered after the scan: an answer may let its lane hold more requests.
        for (Held<?> held : expired) {
            metrics.heldRequests.dec();
            metrics.heldRequestsExpired.mark();
            metrics.heldDuration.record(nowNanos - held.slot().heldSinceNanos());
            long heldMillis =
                    TimeUnit.NANOSECONDS.toMillis(nowNanos - held.slot().heldSinceNanos());
            held.fail(expiryError(heldMillis));
        }
    }

    /** Why a request held the whole hold timeout is refused: it was never sent, so a definite error is honest. */
    private String expiryError(long heldMillis) {
        String why = topology.notWritableReason();
        if (topology.waitsForReplication()) {
            // Redis' own answer when min-replicas-to-write is not met: clients know it means "not applied".
            return ProxyErrors.notEnoughReplicas(why, heldMillis);
        }
        return ProxyErrors.noMaster(why, heldMillis);
    }

    /** Fails everything (proxy shutting down). */
    void failAll(String reason) {
        while (!queue.isEmpty()) {
            Held<?> held = queue.poll();
            metrics.heldRequests.dec();
            held.fail(ProxyErrors.heldRequestFailed(reason));
        }
        bytes = 0;
    }
}

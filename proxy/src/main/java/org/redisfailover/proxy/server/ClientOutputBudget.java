package org.redisfailover.proxy.server;

import io.netty.util.internal.PlatformDependent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * All clients' unsent replies together stay under {@code client-output-budget-bytes}, as Redis 7's
 * {@code maxmemory-clients} bounds its client buffers: past it, the clients holding the most are closed,
 * biggest first, until the rest fit. Without it, clients that each stay under their own limit could
 * together exhaust the direct memory, and the next allocation would fail on a shared backend connection,
 * taking every other client's requests on it down too.
 *
 * <p>Only clients holding at least {@link #TRACKED} bytes are tracked (a client that reads its replies
 * holds far less), so an ordinary write costs one comparison. Clients of every event loop report here.
 */
final class ClientOutputBudget {

    /** Below this a client is not counted: it is reading, or about to. */
    static final long TRACKED = 256 * 1024;

    private final Map<ReplyOrderer, Long> holders = new ConcurrentHashMap<>();
    private final AtomicLong total = new AtomicLong();

    /** The budget in bytes for a configured value (0: half of the direct memory the JVM allows). */
    static long resolve(long configured) {
        return configured > 0 ? configured : PlatformDependent.maxDirectMemory() / 2;
    }

    /** {@code client} holds {@code unsent} bytes now; past the budget, the biggest holders are closed. */
    void holds(ReplyOrderer client, long unsent, long budget) {
        long tracked = unsent >= TRACKED ? unsent : 0;
        Long before = tracked > 0 ? holders.put(client, tracked) : holders.remove(client);
        long sum = total.addAndGet(tracked - (before == null ? 0 : before));
        if (sum > budget) {
            closeBiggest(budget);
        }
    }

    /** The client is gone: what it held is released. */
    void forget(ReplyOrderer client) {
        Long before = holders.remove(client);
        if (before != null) {
            total.addAndGet(-before);
        }
    }

    /** Bytes held by the tracked clients, for the metrics. */
    long total() {
        return total.get();
    }

    private synchronized void closeBiggest(long budget) {
        List<Map.Entry<ReplyOrderer, Long>> biggestFirst = new ArrayList<>(holders.entrySet());
        biggestFirst.sort(Map.Entry.<ReplyOrderer, Long>comparingByValue().reversed());
        for (Map.Entry<ReplyOrderer, Long> holder : biggestFirst) {
            if (total.get() <= budget) {
                return;
            }
            if (holders.remove(holder.getKey(), holder.getValue())) {
                total.addAndGet(-holder.getValue());
                holder.getKey().closeOverBudget(holder.getValue(), budget);
            }
        }
    }
}

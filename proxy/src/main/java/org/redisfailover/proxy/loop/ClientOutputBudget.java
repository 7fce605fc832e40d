package org.redisfailover.proxy.loop;

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
public final class ClientOutputBudget {

    /** A client whose unsent replies count against the budget, and which can be closed when it is over. */
    public interface Holder {
        /** Closes the client: it held {@code held} bytes when the proxy's {@code budget} was spent. */
        void closeOverBudget(long held, long budget);
    }

    /** Below this a client is not counted: it is reading, or about to. */
    public static final long TRACKED = 256 * 1024;

    private final Map<Holder, Long> holders = new ConcurrentHashMap<>();
    private final AtomicLong total = new AtomicLong();

    /** The budget in bytes for a configured value (0: half of the direct memory the JVM allows). */
    public static long resolve(long configured) {
        return configured > 0 ? configured : PlatformDependent.maxDirectMemory() / 2;
    }

    /** {@code client} holds {@code unsent} bytes now; past the budget, the biggest holders are closed. */
    public void holds(Holder client, long unsent, long budget) {
        long tracked = unsent >= TRACKED ? unsent : 0;
        Long before = tracked > 0 ? holders.put(client, tracked) : holders.remove(client);
        long sum = total.addAndGet(tracked - (before == null ? 0 : before));
        if (sum > budget) {
            closeBiggest(budget);
        }
    }

    /** The client is gone: what it held is released. */
    public void forget(Holder client) {
        Long before = holders.remove(client);
        if (before != null) {
            total.addAndGet(-before);
        }
    }

    /** Bytes held by the tracked clients, for the metrics. */
    public long total() {
        return total.get();
    }

    private synchronized void closeBiggest(long budget) {
        List<Map.Entry<Holder, Long>> biggestFirst = new ArrayList<>(holders.entrySet());
        biggestFirst.sort(Map.Entry.<Holder, Long>comparingByValue().reversed());
        for (Map.Entry<Holder, Long> holder : biggestFirst) {
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

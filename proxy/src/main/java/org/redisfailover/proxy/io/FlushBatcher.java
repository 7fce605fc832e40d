package org.redisfailover.proxy.io;

import io.netty.channel.EventLoop;
import java.util.ArrayList;

/**
 * Flushes every channel written during one event-loop turn once, after the turn's I/O is processed.
 *
 * <p>This is where multiplexing pays: when fifty clients each send a request in the same turn, the
 * fifty requests reach the shared backend connection as one write (one syscall for the proxy, one read
 * for Redis) instead of fifty. twemproxy wins its benchmarks the same way. Confined to its event loop.
 */
public final class FlushBatcher implements Runnable {

    private final EventLoop loop;
    private ArrayList<Flushable> queued = new ArrayList<>();
    private ArrayList<Flushable> spare = new ArrayList<>();
    private boolean scheduled;

    public FlushBatcher(EventLoop loop) {
        this.loop = loop;
    }

    /** Flushes {@code target} later in this turn; callers keep a flag so each is queued once. */
    public void flushLater(Flushable target) {
        queued.add(target);
        if (!scheduled) {
            scheduled = true;
            loop.execute(this);
        }
    }

    @Override
    public void run() {
        scheduled = false;
        // A flush can fire writability events that queue more flushes: work on a swapped-out list.
        ArrayList<Flushable> batch = queued;
        queued = spare;
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).flushNow();
        }
        batch.clear();
        spare = batch;
    }
}

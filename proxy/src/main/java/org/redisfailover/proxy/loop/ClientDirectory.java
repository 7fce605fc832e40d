package org.redisfailover.proxy.loop;

import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * Every client connection of this proxy, for CLIENT LIST. A client's state is confined to its event loop, so each
 * describes itself there when asked; the directory only knows where to ask. Shared by every loop.
 */
public final class ClientDirectory {

    /** One client: its id, its loop, and how it describes itself (a CLIENT INFO line) on that loop. */
    public record Entry(long id, EventExecutor loop, Supplier<String> describe) {}

    private final ConcurrentSkipListMap<Long, Entry> entries = new ConcurrentSkipListMap<>();

    public void add(Entry entry) {
        entries.put(entry.id(), entry);
    }

    public void remove(long id) {
        entries.remove(id);
    }

    /**
     * Each client's CLIENT INFO line, in id order (Redis lists its clients oldest first), each made on the client's
     * own loop; completes on one of those loops. A client gone meanwhile, or whose loop could not answer, is left out.
     */
    public CompletableFuture<List<String>> describeAll() {
        List<CompletableFuture<String>> lines = new ArrayList<>();
        for (Entry entry : entries.values()) {
            try {
                lines.add(CompletableFuture.supplyAsync(entry.describe(), entry.loop())
                        .exceptionally(failed -> null));
            } catch (RejectedExecutionException stopping) {
                // its loop is shutting down: the client is leaving
            }
        }
        return CompletableFuture.allOf(lines.toArray(CompletableFuture[]::new)).thenApply(done -> {
            List<String> all = new ArrayList<>(lines.size());
            for (CompletableFuture<String> line : lines) {
                if (line.join() != null) {
                    all.add(line.join());
                }
            }
            return all;
        });
    }
}

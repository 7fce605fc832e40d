package org.redisfailover.protocol.command;

import java.util.ArrayList;
import java.util.List;
import org.redisfailover.protocol.cluster.HashSlots;
import org.redisfailover.protocol.resp.RedisRequest;

/**
 * How a cluster routes one command (or subcommand), from the server's own {@code COMMAND} reply: its key
 * specifications and its request and response policy tips ({@code request_policy:multi_shard},
 * {@code response_policy:agg_sum}, ...; null where the server gives none).
 */
public final class ClusterCommand {

    /** {@link #slot} of a request without keys. */
    public static final int NO_KEYS = -1;
    /** {@link #slot} of a request whose keys hash to more than one slot. */
    public static final int CROSS_SLOT = -2;

    private final String name;
    private final KeySpec[] specs;
    private final String requestPolicy;
    private final String responsePolicy;

    ClusterCommand(String name, List<KeySpec> specs, String requestPolicy, String responsePolicy) {
        this.name = name;
        this.specs = specs.toArray(KeySpec[]::new);
        this.requestPolicy = requestPolicy;
        this.responsePolicy = responsePolicy;
    }

    /** Lower case, {@code container|sub} for a subcommand. */
    public String name() {
        return name;
    }

    /** The request policy tip ({@code all_shards}, {@code all_nodes}, {@code multi_shard}, {@code special}), or null. */
    public String requestPolicy() {
        return requestPolicy;
    }

    /** The response policy tip ({@code agg_sum}, {@code all_succeeded}, ...), or null. */
    public String responsePolicy() {
        return responsePolicy;
    }

    /** The one slot every key of {@code request} hashes to; {@link #NO_KEYS} or {@link #CROSS_SLOT}. Allocates nothing. */
    public int slot(RedisRequest request) {
        int found = NO_KEYS;
        for (KeySpec spec : specs) {
            long range = spec.keyRange(request);
            if (range == KeySpec.NONE) {
                continue;
            }
            for (int arg = KeySpec.first(range); arg <= KeySpec.last(range); arg += spec.step()) {
                int keySlot = HashSlots.of(request.buffer(), request.argIndex(arg), request.argLength(arg));
                if (found == NO_KEYS) {
                    found = keySlot;
                } else if (found != keySlot) {
                    return CROSS_SLOT;
                }
            }
        }
        return found;
    }

    /** The arguments each key of the first spec comes with, itself included (2 for MSET's key and value). */
    public int argsPerKey() {
        return specs.length == 0 ? 1 : specs[0].step();
    }

    /** The argument index of every key of {@code request}, in the order the specs give them. */
    public int[] keyPositions(RedisRequest request) {
        List<Integer> positions = new ArrayList<>();
        for (KeySpec spec : specs) {
            long range = spec.keyRange(request);
            if (range != KeySpec.NONE) {
                for (int arg = KeySpec.first(range); arg <= KeySpec.last(range); arg += spec.step()) {
                    positions.add(arg);
                }
            }
        }
        return positions.stream().mapToInt(Integer::intValue).toArray();
    }
}

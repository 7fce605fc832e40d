package org.redisfailover.proxy.config;

import java.util.Locale;

/** Where commands that Redis flags {@code readonly} go. Writes always go to the master. */
public enum ReadPolicy {
    /** Everything to the master: exactly the semantics of a single Redis. The default. */
    MASTER,
    /** Round-robin over healthy replicas; the master when none is healthy. */
    PREFER_REPLICA,
    /** Round-robin over healthy replicas; an error when none is healthy. */
    REPLICA,
    /**
     * As prefer-replica, except that a client that has written reads from the master, or from a replica
     * whose replication offset shows it has that write: code written for one Redis reads its own writes.
     */
    READ_YOUR_WRITES;

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses {@code master}, {@code prefer-replica}, {@code replica} or {@code read-your-writes}. */
    public static ReadPolicy parse(String text) {
        for (ReadPolicy policy : values()) {
            if (policy.label().equals(text.strip().toLowerCase(Locale.ROOT))) {
                return policy;
            }
        }
        throw new IllegalArgumentException("read-policy: unknown read policy '" + text
                + "' (expected: master, prefer-replica, replica or read-your-writes)");
    }
}

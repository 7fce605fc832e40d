package org.redisfailover.proxy.backend;

/**
 * Safe mode: which replies of a write prove that it changed nothing, and so may reach the client at once,
 * without waiting for replicas. Every other reply of the write waits for its WAIT. Chosen per request by the
 * proxy's one safe-mode rule; a write connection only applies it.
 */
public enum NothingWritten {
    /** An error: Redis runs a plain command whole or refuses it whole. */
    ON_ERROR,
    /** An error, or a null: a blocking call that timed out, an EXEC that a WATCH aborted. */
    ON_ERROR_OR_NULL,
    /**
     * No reply: a script or function may write and then fail (Redis does not roll back what it wrote), and a
     * null is what a script that wrote and returned nothing answers, as does {@code SET k v GET} on a new key.
     */
    NEVER;

    /** Whether {@code reply} (its first byte, and whether it is a null) proves the write changed nothing. */
    boolean proves(byte type, boolean isNull) {
        return switch (this) {
            case ON_ERROR -> type == '-' || type == '!';
            case ON_ERROR_OR_NULL -> type == '-' || type == '!' || isNull;
            case NEVER -> false;
        };
    }
}

package org.redisfailover.proxy.backend;

/**
 * Whether the Redis group lets a connection without a password run commands, as the proxy's own
 * connections find it: each connection opened without credentials starts its handshake with a PING,
 * and a {@code NOAUTH} answer says the group asks every client for a password. Protected mode needs
 * this: a proxy in front of an open group, with no password of its own, must not serve remote clients.
 * Thread-safe; the latest observation wins.
 */
public final class GroupAccess {

    private static final int UNKNOWN = 0;
    private static final int OPEN = 1;
    private static final int PASSWORD_REQUIRED = 2;

    private volatile int state = UNKNOWN;

    /** What a connection without a password found (its handshake PING got NOAUTH, or not). */
    public void observe(boolean passwordRequired) {
        state = passwordRequired ? PASSWORD_REQUIRED : OPEN;
    }

    /** True only once a node answered NOAUTH to a connection without a password (unknown counts as open). */
    public boolean requiresPassword() {
        return state == PASSWORD_REQUIRED;
    }

    /** For the log line of a refusal. */
    public String describe() {
        return switch (state) {
            case OPEN -> "the group lets clients in without a password";
            case PASSWORD_REQUIRED -> "the group asks for a password";
            default -> "no Redis node has told yet whether it asks for a password";
        };
    }
}

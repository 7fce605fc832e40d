package org.redisfailover.protocol.command;

import java.util.Locale;

/** Where a command may be executed, as the proxy sees it. */
public enum RoutingClass {
    /** Flagged {@code readonly} by Redis: may go to a replica when the read policy allows. */
    READ,
    /**
     * A read whose cursor belongs to the node that issued it (SCAN, SSCAN, HSCAN, ZSCAN): a client's
     * iteration stays on one node, whatever the read policy spreads its other reads over.
     */
    READ_CURSOR,
    /** Writes, scripts, unknown commands and everything else: the master, always. */
    MASTER,
    /** Answered by the proxy itself (PING, ECHO, QUIT, SELECT, HELLO, ...). */
    LOCAL,
    /** Changes per-connection server state that a shared backend connection cannot carry (AUTH, CLIENT REPLY, ...). */
    SESSION,
    /** MULTI/EXEC/WATCH: needs a master connection pinned to the client. */
    PIN_TRANSACTION,
    /** May block the connection (BLPOP, XREAD BLOCK, WAIT): needs a connection of its own for the call. */
    PIN_BLOCKING,
    /** SUBSCRIBE and friends: turns the connection into a push stream. */
    PIN_PUBSUB,
    /**
     * Applied to every node of the group by the proxy (CONFIG SET, CONFIG RESETSTAT): a setting made on the
     * master alone would be lost at the next failover.
     */
    GROUP,
    /** Refused: reconfigures servers that the proxy and its monitor manage (SHUTDOWN, REPLICAOF, ...). */
    DENY,
    /** Closed without a reply, as Redis does for HTTP-looking input (POST, Host:). */
    CLOSE;

    /** True for the classes that may go to a replica. */
    public boolean isRead() {
        return this == READ || this == READ_CURSOR;
    }

    /** Lower-case, dash-separated name, as in the policy file and the golden file. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static RoutingClass fromLabel(String label) {
        for (RoutingClass value : values()) {
            if (value.label().equals(label)) {
                return value;
            }
        }
        throw new IllegalArgumentException("unknown routing class '" + label + "'");
    }
}

package org.redisfailover.proxy.client;

import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicLong;
import org.redisfailover.protocol.command.Route;

/**
 * The state Redis keeps per connection that the proxy answers for itself: the selected database, the
 * name (CLIENT SETNAME), the id (CLIENT ID), the addresses, and when and what the client last ran (CLIENT
 * INFO's age, idle and cmd). Confined to the client's event loop.
 */
final class ClientState {

    private static final AtomicLong IDS = new AtomicLong();

    /** CLIENT ID: unique among this proxy's clients, as Redis' is among a server's. */
    private final long id = IDS.incrementAndGet();

    private final long createdAtMillis = System.currentTimeMillis();
    private long lastCommandAtMillis = createdAtMillis;
    private Route lastRoute;
    private int db;
    private String name;
    /** CLIENT SETINFO LIB-NAME and LIB-VER (empty until set, as Redis shows them). */
    private String libName = "";

    private String libVersion = "";
    private final SocketAddress remoteAddress;
    private final SocketAddress localAddress;

    ClientState(SocketAddress remoteAddress, SocketAddress localAddress) {
        this.remoteAddress = remoteAddress;
        this.localAddress = localAddress;
    }

    /** The client's address, as its connection to the proxy was accepted (logs name the client by it). */
    SocketAddress remoteAddress() {
        return remoteAddress;
    }

    SocketAddress localAddress() {
        return localAddress;
    }

    long id() {
        return id;
    }

    long createdAtMillis() {
        return createdAtMillis;
    }

    long lastCommandAtMillis() {
        return lastCommandAtMillis;
    }

    /** The route of the command being run now (null before the first): its latency is counted under its routing class. */
    Route lastRoute() {
        return lastRoute;
    }

    void commandRead(Route route) {
        lastRoute = route;
        lastCommandAtMillis = System.currentTimeMillis();
    }

    int db() {
        return db;
    }

    void select(int index) {
        db = index;
    }

    /** The CLIENT SETNAME name, or null for none. */
    String name() {
        return name;
    }

    void name(String newName) {
        name = newName;
    }

    String libName() {
        return libName;
    }

    String libVersion() {
        return libVersion;
    }

    void libName(String value) {
        libName = value;
    }

    void libVersion(String value) {
        libVersion = value;
    }
}

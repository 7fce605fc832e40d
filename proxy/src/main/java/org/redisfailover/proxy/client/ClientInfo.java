package org.redisfailover.proxy.client;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Locale;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.proxy.backend.Credentials;

/** CLIENT INFO: a client's connection to the proxy as Redis describes one (the fields a proxy connection has). */
final class ClientInfo {

    private ClientInfo() {}

    static String describe(ClientState state, OwnConnections own, ClientModes modes, int outputListLength) {
        long now = System.currentTimeMillis();
        Credentials credentials = own.handshake().credentials();
        boolean inMulti = modes.inMulti();
        String flags = (inMulti ? "x" : "")
                + (modes.subscribed() ? "P" : "")
                + (modes.blocked() ? "b" : "")
                + (own.tracking() ? "t" : "")
                + (ConnectionModeCommand.isOn(own.handshake(), "no-evict") ? "e" : "")
                + (ConnectionModeCommand.isOn(own.handshake(), "no-touch") ? "T" : "");
        int[] counts = modes.subscriptionCounts();
        Route lastRoute = state.lastRoute();
        return "id=" + state.id() + " addr=" + address(state.remoteAddress()) + " laddr="
                + address(state.localAddress())
                + " fd=-1 name=" + (state.name() == null ? "" : state.name()) + " age="
                + (now - state.createdAtMillis()) / 1000
                + " idle=" + (now - state.lastCommandAtMillis()) / 1000 + " flags=" + (flags.isEmpty() ? "N" : flags)
                + " db=" + state.db()
                + " sub=" + counts[0] + " psub=" + counts[1] + " ssub=" + counts[2] + " multi=" + (inMulti ? 0 : -1)
                + " qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=" + outputListLength
                + " omem=0 tot-mem=0"
                + " events=r cmd="
                + (lastRoute == null
                        ? "NULL"
                        : lastRoute.displayName().toLowerCase(Locale.ROOT).replace(' ', '|'))
                + " user=" + (credentials == null || credentials.user() == null ? "default" : credentials.user())
                + " redir=-1 resp="
                + own.protocol().number() + " lib-name=" + state.libName() + " lib-ver=" + state.libVersion() + "\n";
    }

    private static String address(SocketAddress address) {
        return address instanceof InetSocketAddress inet
                ? inet.getAddress().getHostAddress() + ":" + inet.getPort()
                : String.valueOf(address);
    }
}

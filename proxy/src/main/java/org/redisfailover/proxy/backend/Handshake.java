package org.redisfailover.proxy.backend;

import java.util.List;
import org.redisfailover.protocol.resp.RespVersion;

/**
 * What a backend connection sends before any request, so that it serves its client as Redis would serve
 * the client directly: who it logs in as, the protocol, client-side caching and the connection's modes.
 *
 * @param credentials a client's own Redis user (its AUTH), or null for the proxy's backend user
 * @param protocol    the protocol the replies come in (HELLO 3 for RESP3)
 * @param tracking    the {@code CLIENT TRACKING ON ...} commands Redis accepted from the client, in order (each
 *                    may add prefixes), or null with tracking off
 * @param modes       the {@code CLIENT NO-TOUCH ON} and {@code CLIENT NO-EVICT ON} Redis accepted from the client,
 *                    or null with neither on
 */
public record Handshake(
        Credentials credentials, RespVersion protocol, List<List<byte[]>> tracking, List<List<byte[]>> modes) {

    private static final Handshake PROXY_RESP2 = new Handshake(null, RespVersion.RESP2, null, null);
    private static final Handshake PROXY_RESP3 = new Handshake(null, RespVersion.RESP3, null, null);

    /** The proxy's own login in {@code protocol}: what shared connections use. */
    public static Handshake proxy(RespVersion protocol) {
        return protocol == RespVersion.RESP3 ? PROXY_RESP3 : PROXY_RESP2;
    }

    /** Nothing of one client's on it: a connection with this handshake may serve any client of the protocol. */
    public boolean shareable() {
        return credentials == null && tracking == null && modes == null;
    }

    public Handshake withProtocol(RespVersion newProtocol) {
        return new Handshake(credentials, newProtocol, tracking, modes);
    }

    public Handshake withCredentials(Credentials newCredentials) {
        return new Handshake(newCredentials, protocol, tracking, modes);
    }

    public Handshake withTracking(List<List<byte[]>> newTracking) {
        return new Handshake(credentials, protocol, newTracking == null ? null : List.copyOf(newTracking), modes);
    }

    /** With these connection modes (null or empty: none). */
    public Handshake withModes(List<List<byte[]>> newModes) {
        return new Handshake(
                credentials, protocol, tracking, newModes == null || newModes.isEmpty() ? null : List.copyOf(newModes));
    }

    /** Only the login: what a connection for one urgent command needs (tracking and modes belong to the client's own). */
    public Handshake loginOnly() {
        return new Handshake(credentials, protocol, null, null);
    }

    @Override
    public String toString() {
        return "Handshake[user=" + (credentials == null ? "proxy" : credentials.user()) + ", " + protocol
                + (tracking == null ? "" : ", tracking") + (modes == null ? "" : ", " + modes.size() + " modes")
                + "]";
    }
}

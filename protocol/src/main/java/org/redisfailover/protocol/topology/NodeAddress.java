package org.redisfailover.protocol.topology;

/**
 * A host and port: a Redis node, or an address to listen on (where port 0 means any free port).
 * Parses {@code host:port} and {@code [ipv6]:port}.
 */
public record NodeAddress(String host, int port) {

    public NodeAddress {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0-65535)");
        }
    }

    /** Parses {@code host:port} or {@code [v6]:port}; the message names the bad part. */
    public static NodeAddress parse(String text) {
        String value = text.strip();
        if (value.chars().anyMatch(c -> c == ';' || c == ',' || Character.isWhitespace(c))) {
            throw new IllegalArgumentException(
                    "'" + text + "' is not one host:port (separate several with commas, no spaces)");
        }
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new IllegalArgumentException("'" + text + "' is not host:port");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("'" + text + "': write IPv6 addresses as [addr]:port");
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "': port is not a number");
        }
        return new NodeAddress(host, port);
    }

    // Explicit, with an identity shortcut: addresses key the backend connections of every request.
    @Override
    public boolean equals(Object other) {
        return this == other || (other instanceof NodeAddress that && port == that.port && host.equals(that.host));
    }

    @Override
    public int hashCode() {
        return host.hashCode() * 31 + port;
    }

    @Override
    public String toString() {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
}

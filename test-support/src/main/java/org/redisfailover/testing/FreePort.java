package org.redisfailover.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** A loopback port that was free a moment ago. */
public final class FreePort {

    private FreePort() {}

    public static int next() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A port for a Redis Cluster node: free with its cluster bus port (10000 above it) free too, and at most 55535,
     * since the bus port must exist (a node on a higher port refuses to start).
     */
    public static int forClusterNode() {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = next();
            if (port > 55535) {
                continue;
            }
            try (ServerSocket bus = new ServerSocket(port + 10000, 1, InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException e) {
                // the bus port is taken: another one
            }
        }
        throw new IllegalStateException("no free port with a free cluster bus port");
    }
}

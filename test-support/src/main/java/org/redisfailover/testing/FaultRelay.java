package org.redisfailover.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.redisfailover.protocol.topology.NodeAddress;

/**
 * A TCP relay on a free loopback port that stands between a component and a server and injects
 * network faults: it forwards faithfully, delays what the server sends, swallows everything (a
 * partition that leaves connections open), or resets every connection and refuses new ones.
 */
public final class FaultRelay implements AutoCloseable {

    public enum Mode {
        PASS,
        BLACKHOLE,
        REFUSE
    }

    private final NodeAddress target;
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "fault-relay");
        thread.setDaemon(true);
        return thread;
    });
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile Mode mode = Mode.PASS;
    private volatile long replyDelayMillis;

    public FaultRelay(NodeAddress target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(this::acceptLoop);
    }

    public NodeAddress address() {
        return new NodeAddress("127.0.0.1", server.getLocalPort());
    }

    /** Delays each chunk the server sends by this much (a slow server or link). */
    public void delayReplies(long millis) {
        replyDelayMillis = millis;
    }

    public void mode(Mode next) {
        mode = next;
        if (next == Mode.REFUSE) {
            sockets.forEach(FaultRelay::closeQuietly);
            sockets.clear();
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                if (mode == Mode.REFUSE) {
                    client.setSoLinger(true, 0); // a reset, as from a closed port
                    client.close();
                    continue;
                }
                Socket upstream = new Socket(target.host(), target.port());
                sockets.add(client);
                sockets.add(upstream);
                threads.execute(() -> pump(client, upstream, 0));
                threads.execute(() -> pump(upstream, client, 1));
            } catch (IOException e) {
                // closed, or the target refused: the client sees its connection end
            }
        }
    }

    /** Copies {@code from} to {@code to}; direction 1 is the server's replies. */
    private void pump(Socket from, Socket to, int direction) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream()) {
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                if (mode == Mode.BLACKHOLE) {
                    continue; // swallowed: the peer hears nothing, the connection stays open
                }
                if (direction == 1 && replyDelayMillis > 0) {
                    Thread.sleep(replyDelayMillis); // the injected latency itself, not a synchronisation
                }
                out.write(buffer, 0, read);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // one side closed or reset
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        sockets.forEach(FaultRelay::closeQuietly);
        threads.shutdownNow();
    }
}

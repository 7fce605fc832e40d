package org.redisfailover.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A blocking socket client that sends raw bytes and reads replies one RESP value at a time, for tests
 * that must see exact bytes, exact order and exactly when a connection closes.
 */
public final class RawClient implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RawClient(int port, int readTimeoutMillis) throws IOException {
        this(new Socket("127.0.0.1", port), readTimeoutMillis);
    }

    /** A client on a socket already connected (a TLS one, from an SSLSocketFactory). */
    public RawClient(Socket connected, int readTimeoutMillis) throws IOException {
        socket = connected;
        socket.setSoTimeout(readTimeoutMillis);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** A client of the server on loopback {@code port} that waits up to ten seconds for each reply. */
    public static RawClient connect(int port) throws IOException {
        return new RawClient(port, 10_000);
    }

    /** Sends one command and reads its reply (raw text, as {@link #readReply()}). */
    public String call(String... args) throws IOException {
        send(command(args));
        return readReply();
    }

    public void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    public void send(String text) throws IOException {
        send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Encodes a command as a RESP array. */
    public static String command(String... args) {
        StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
        for (String arg : args) {
            sb.append('$')
                    .append(arg.getBytes(StandardCharsets.UTF_8).length)
                    .append("\r\n")
                    .append(arg)
                    .append("\r\n");
        }
        return sb.toString();
    }

    /**
     * The next whole reply as raw text (aggregates included), or null if the peer closed first. Read without
     * recursion, counting the elements still to come, so a reply nested thousands deep is read like any other.
     */
    public String readReply() throws IOException {
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        try {
            for (long pending = 1; pending > 0; pending--) {
                pending += readElement(reply);
            }
        } catch (EOFException e) {
            if (reply.size() == 0) {
                return null;
            }
            throw e;
        }
        return reply.toString(StandardCharsets.ISO_8859_1);
    }

    /** Reads one RESP2 or RESP3 element (a bulk with its data); returns how many elements it opens (an attribute: its pairs and the value it annotates). */
    private long readElement(ByteArrayOutputStream reply) throws IOException {
        String line = readLine(reply);
        char type = line.charAt(0);
        long n =
                switch (type) {
                    case '$', '*', '=', '!', '~', '>', '%', '|' -> Long.parseLong(line.substring(1));
                    default -> 0;
                };
        if ((type == '$' || type == '=' || type == '!') && n >= 0) {
            byte[] data = in.readNBytes((int) n + 2);
            if (data.length < n + 2) {
                throw new EOFException("closed inside a bulk");
            }
            reply.write(data);
            return 0;
        }
        if (n <= 0) {
            return 0; // a simple value, a null, or an empty aggregate
        }
        return switch (type) {
            case '%' -> n * 2;
            case '|' -> n * 2 + 1;
            default -> n;
        };
    }

    private String readLine(ByteArrayOutputStream reply) throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("closed");
            }
            reply.write(b);
            if (b == '\n' && line.length() > 0 && line.charAt(line.length() - 1) == '\r') {
                return line.substring(0, line.length() - 1);
            }
            line.append((char) b);
        }
    }

    /** True when the peer has closed: a read returns end of stream within the socket timeout. */
    public boolean isClosedByPeer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /**
     * Reads and drops whatever the peer sends: true once it has closed (or reset) the connection, false
     * when it goes quiet for the socket timeout first. Keeps nothing, however much a client that never
     * read has queued.
     */
    public boolean drainsToClose() {
        byte[] buffer = new byte[64 * 1024];
        try {
            while (in.read(buffer) >= 0) {
                // dropped: only the close matters
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** Everything the peer sends until it closes or goes quiet for the socket timeout. */
    public String readUntilQuietOrClosed() throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                all.write(buffer, 0, n);
            }
            return all.toString(StandardCharsets.ISO_8859_1) + "<closed>";
        } catch (SocketTimeoutException e) {
            return all.toString(StandardCharsets.ISO_8859_1) + "<open>";
        } catch (IOException e) {
            return all.toString(StandardCharsets.ISO_8859_1) + "<closed>";
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

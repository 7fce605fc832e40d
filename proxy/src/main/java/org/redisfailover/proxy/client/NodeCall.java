package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.backend.PendingReply;

/**
 * A command the proxy sends to one node on a client's behalf, whose small reply (a status, an error, an
 * array of bulk strings) is handed to a callback on the event loop, as {@link Outcome}.
 */
final class NodeCall extends PendingReply {

    /**
     * What came back from {@code node}: its reply frame, or null with the reason no reply will come.
     */
    record Outcome(NodeAddress node, byte[] frame, String failure) {

        boolean ok() {
            return frame != null && frame.length > 0 && frame[0] == '+';
        }

        boolean error() {
            return frame != null && frame.length > 0 && frame[0] == '-';
        }

        /** An error reply's line without its '-' and CRLF. */
        String errorLine() {
            return new String(frame, 1, Math.max(0, frame.length - 3), StandardCharsets.UTF_8);
        }

        /**
         * The bulk strings of an array of bulk strings (RESP2) or of a map of them (RESP3, on a client's own
         * connection after HELLO 3), in order; empty for any other reply.
         */
        List<String> bulks() {
            List<String> values = new ArrayList<>();
            if (frame == null || frame.length == 0 || (frame[0] != '*' && frame[0] != '%')) {
                return values;
            }
            int at = lineEnd(0) + 2;
            while (at < frame.length && frame[at] == '$') {
                int end = lineEnd(at);
                int length = Integer.parseInt(new String(frame, at + 1, end - at - 1, StandardCharsets.US_ASCII));
                values.add(new String(frame, end + 2, length, StandardCharsets.UTF_8));
                at = end + 2 + length + 2;
            }
            return values;
        }

        private int lineEnd(int from) {
            for (int i = from; i < frame.length - 1; i++) {
                if (frame[i] == '\r' && frame[i + 1] == '\n') {
                    return i;
                }
            }
            return frame.length;
        }
    }

    private final NodeAddress node;
    private final Consumer<Outcome> then;

    NodeCall(NodeAddress node, Consumer<Outcome> then) {
        this.node = node;
        this.then = then;
    }

    @Override
    public boolean onFrame(ByteBuf buffer, int start, int length) {
        byte[] frame = new byte[length];
        buffer.getBytes(start, frame);
        then.accept(new Outcome(node, frame, null));
        return true;
    }

    @Override
    public void lost(NodeAddress lostNode, String reason) {
        then.accept(new Outcome(node, null, "connection lost before the reply (" + reason + ")"));
    }

    @Override
    public void refused(String errorLine) {
        then.accept(new Outcome(node, null, errorLine));
    }
}

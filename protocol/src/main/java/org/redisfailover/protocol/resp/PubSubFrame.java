package org.redisfailover.protocol.resp;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A subscription confirmation from Redis: {@code [subscribe|psubscribe|ssubscribe|unsubscribe|
 * punsubscribe|sunsubscribe, channel or null, count]}, as a RESP2 array or a RESP3 push. The proxy reads
 * them to know which channels a client is subscribed to (to subscribe again after a failover) and when
 * it has left subscribed mode. Messages and every other frame are not confirmations.
 *
 * @param kind    the confirmation's first element, lower case
 * @param channel the channel or pattern, or null (an unsubscribe with nothing subscribed)
 * @param count   the subscriptions left of that family, as Redis counts them
 */
public record PubSubFrame(String kind, byte[] channel, long count) {

    /** True for subscribe, psubscribe and ssubscribe. */
    public boolean subscribes() {
        return !kind.endsWith("unsubscribe");
    }

    /** The family: "" for channels, "p" for patterns, "s" for shard channels. */
    public String family() {
        return kind.substring(0, kind.indexOf(subscribes() ? "subscribe" : "unsubscribe"));
    }

    /** Parses {@code length} bytes of {@code buf} at {@code start}; null when the frame is not a confirmation. */
    public static PubSubFrame parse(ByteBuf buf, int start, int length) {
        Cursor cursor = new Cursor(buf, start, start + length);
        byte type = cursor.peek();
        if ((type != '*' && type != '>') || !"3".equals(cursor.line(1))) {
            return null;
        }
        byte[] kind = cursor.bulk();
        if (kind == null || kind.length > 12) {
            return null;
        }
        String name = new String(kind, StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
        if (!name.endsWith("subscribe")) {
            return null;
        }
        byte[] channel = cursor.bulk();
        if (cursor.peek() != ':') {
            return null;
        }
        long count = RespNumbers.parse(cursor.line(1).getBytes(StandardCharsets.US_ASCII));
        return count == RespNumbers.INVALID ? null : new PubSubFrame(name, channel, count);
    }

    /** Reads a well-formed frame (the framer has checked it) line by line. */
    private static final class Cursor {
        private final ByteBuf buf;
        private final int end;
        private int position;

        Cursor(ByteBuf buf, int start, int end) {
            this.buf = buf;
            this.position = start;
            this.end = end;
        }

        byte peek() {
            return position < end ? buf.getByte(position) : 0;
        }

        /** The rest of the current line after {@code skip} type bytes; moves past its CRLF. */
        String line(int skip) {
            int lf = buf.indexOf(position, end, (byte) '\n');
            if (lf < 0) {
                position = end;
                return "";
            }
            String text = buf.toString(position + skip, lf - 1 - position - skip, StandardCharsets.US_ASCII);
            position = lf + 1;
            return text;
        }

        /** A bulk string's bytes; null for a null ({@code $-1} or {@code _}) or anything else. */
        byte[] bulk() {
            byte type = peek();
            String header = line(1);
            if (type != '$') {
                return null;
            }
            long length = RespNumbers.parse(header.getBytes(StandardCharsets.US_ASCII));
            if (length < 0 || position + length + 2 > end) {
                return null;
            }
            byte[] bytes = new byte[(int) length];
            buf.getBytes(position, bytes);
            position += (int) length + 2;
            return bytes;
        }
    }
}

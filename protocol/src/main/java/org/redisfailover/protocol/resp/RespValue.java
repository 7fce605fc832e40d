package org.redisfailover.protocol.resp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Reads one whole reply frame, already cut by {@link RespReplyFramer} and so within its limits, into plain
 * values for the replies the proxy asks for itself ({@code COMMAND}, {@code CLUSTER SHARDS}): a string
 * ({@code +} and {@code $}, as UTF-8), a {@link Long}, a {@link List} (arrays, sets and pushes; a RESP3 map
 * as its keys and values in turn, as RESP2 sends it), null, or an {@link Error}. Not for client data on the
 * request path: it allocates per element.
 */
public final class RespValue {

    /** An error reply: its line without the '-'. */
    public record Error(String line) {}

    private final byte[] frame;
    private int at;

    private RespValue(byte[] frame) {
        this.frame = frame;
    }

    /** The value of a whole frame. */
    public static Object parse(byte[] frame) {
        return new RespValue(frame).next();
    }

    /** {@code value} as a list, or an empty list when it is not one. */
    @SuppressWarnings("unchecked")
    public static List<Object> list(Object value) {
        return value instanceof List<?> list ? (List<Object>) list : List.of();
    }

    /** {@code value} as a string (a number's decimal form), or null. */
    public static String string(Object value) {
        return value instanceof String || value instanceof Long ? value.toString() : null;
    }

    /** {@code value} as a number (a numeric string too), or {@code otherwise}. */
    public static long number(Object value, long otherwise) {
        if (value instanceof Long number) {
            return number;
        }
        if (value instanceof String text) {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                return otherwise;
            }
        }
        return otherwise;
    }

    /** In a flat list of names and values (a RESP2 map), the value after {@code name}, or null. */
    public static Object field(List<Object> pairs, String name) {
        for (int i = 0; i + 1 < pairs.size(); i += 2) {
            if (name.equalsIgnoreCase(string(pairs.get(i)))) {
                return pairs.get(i + 1);
            }
        }
        return null;
    }

    private Object next() {
        byte type = frame[at];
        String line = line();
        switch (type) {
            case '+':
                return line;
            case '-':
                return new Error(line);
            case ':':
                return Long.parseLong(line);
            case '$', '=', '!': {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return null;
                }
                String value = new String(frame, at, length, StandardCharsets.UTF_8);
                at += length + 2;
                return type == '!' ? new Error(value) : value;
            }
            case '*', '~', '>', '%': {
                int count = Integer.parseInt(line);
                if (count < 0) {
                    return null;
                }
                int elements = type == '%' ? count * 2 : count;
                List<Object> values = new ArrayList<>(elements);
                for (int i = 0; i < elements; i++) {
                    values.add(next());
                }
                return Collections.unmodifiableList(values);
            }
            case '_':
                return null;
            case '#':
                return line.equals("t") ? 1L : 0L;
            case ',', '(':
                return line;
            case '|': {
                // An attribute annotates the value that follows: skip it.
                int pairs = Integer.parseInt(line);
                for (int i = 0; i < pairs * 2; i++) {
                    next();
                }
                return next();
            }
            default:
                throw new IllegalArgumentException("not a RESP type: " + (char) type);
        }
    }

    /** The header line after the type byte; leaves {@link #at} after its CRLF. */
    private String line() {
        int start = at + 1;
        int end = start;
        while (end + 1 < frame.length && !(frame[end] == '\r' && frame[end + 1] == '\n')) {
            end++;
        }
        at = end + 2;
        return new String(frame, start, end - start, StandardCharsets.UTF_8);
    }
}

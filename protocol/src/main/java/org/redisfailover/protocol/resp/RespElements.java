package org.redisfailover.protocol.resp;

/**
 * Where the elements of a whole reply frame lie, so that a proxy can take replies apart and put them together
 * again byte for byte (the keys of a split MGET, in the client's order; the arrays of a fan-out, concatenated).
 * For trusted frames, already cut by {@link RespReplyFramer} within its limits.
 */
public final class RespElements {

    private RespElements() {}

    /** Whether {@code frame} is an aggregate of elements in order: an array, a set or a push. */
    public static boolean isSequence(byte[] frame) {
        return frame.length > 0 && (frame[0] == '*' || frame[0] == '~' || frame[0] == '>');
    }

    /** The element count of a sequence (-1 for a null array). */
    public static int count(byte[] frame) {
        return Integer.parseInt(
                new String(frame, 1, lineEnd(frame, 0) - 1, java.nio.charset.StandardCharsets.US_ASCII));
    }

    /** The offset of the first element of a sequence. */
    public static int firstElement(byte[] frame) {
        return lineEnd(frame, 0) + 2;
    }

    /** The offset just after the value that starts at {@code at}. */
    public static int end(byte[] frame, int at) {
        byte type = frame[at];
        int lineEnd = lineEnd(frame, at);
        int next = lineEnd + 2;
        switch (type) {
            case '$', '=', '!' -> {
                int length = Integer.parseInt(
                        new String(frame, at + 1, lineEnd - at - 1, java.nio.charset.StandardCharsets.US_ASCII));
                return length < 0 ? next : next + length + 2;
            }
            case '*', '~', '>', '%', '|' -> {
                int count = Integer.parseInt(
                        new String(frame, at + 1, lineEnd - at - 1, java.nio.charset.StandardCharsets.US_ASCII));
                int elements = type == '%' || type == '|' ? count * 2 : count;
                for (int i = 0; i < elements; i++) {
                    next = end(frame, next);
                }
                return type == '|' ? end(frame, next) : next;
            }
            default -> {
                return next;
            }
        }
    }

    private static int lineEnd(byte[] frame, int from) {
        for (int i = from; i < frame.length - 1; i++) {
            if (frame[i] == '\r' && frame[i + 1] == '\n') {
                return i;
            }
        }
        throw new IllegalArgumentException("no line end in the frame");
    }
}

package org.redisfailover.protocol.resp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Frames client requests (RESP arrays of bulk strings, and inline commands) into {@link RedisRequest}s,
 * handed straight to a {@link RequestSink} (one pipeline event per request would cost more than the
 * framing), with Redis' own grammar and error texts (src/networking.c, {@code processMultibulkBuffer} and
 * {@code processInlineBuffer}).
 *
 * <ul>
 *   <li>Limits are checked on each declared length before anything grows; argument tables grow with
 *       the arguments that actually arrived, never from the declared count.</li>
 *   <li>Decoding resumes where it stopped, so a request fed one byte at a time costs linear time.</li>
 *   <li>Inputs Redis answers with nothing ({@code \r\n}, {@code *0}, {@code *-10}) produce nothing.</li>
 *   <li>Stricter than Redis in one way: the two bytes after a length line or bulk data must be CRLF.
 *       Redis skips them unchecked; a proxy that forwards bytes must not let the two disagree.</li>
 *   <li>A framing error produces one {@link RequestError} and then the rest of the input is dropped.</li>
 * </ul>
 */
public final class RespRequestDecoder extends ByteToMessageDecoder {

    private static final int INITIAL_ARG_SLOTS = 8;
    /** Marks input that Redis consumes without a reply. */
    private static final Object NOTHING = new Object();

    private static final int NEED_MORE = -1;
    private static final int TOO_LONG = -2;
    private static final short CRLF = 0x0D0A;
    /** {@code X?\r\n} as a big-endian int with the digit masked out: the one-digit length line of type X. */
    private static final int ONE_DIGIT_LINE_MASK = 0xFF00FFFF;

    private static final int ONE_DIGIT_ARRAY = ('*' << 24) | CRLF;
    private static final int ONE_DIGIT_BULK = ('$' << 24) | CRLF;

    /** Receives what the decoder frames, in order. */
    public interface RequestSink {
        /** A whole request; ownership passes. */
        void onRequest(RedisRequest request);

        /** A framing error: the last thing this decoder reports. */
        void onRequestError(RequestError error);
    }

    /** Redis' bounds on a client that has not authenticated yet (networking.c): arguments, and bytes per bulk. */
    public static final int UNAUTHENTICATED_MAX_ARGS = 10;

    public static final int UNAUTHENTICATED_MAX_BULK = 16 * 1024;

    private RespLimits limits;
    /** The limits that apply once the client authenticated; null while they already do. */
    private RespLimits afterAuthentication;
    /** Whether a password is still asked for (a reload may remove it): the unauthenticated bounds apply only then. */
    private BooleanSupplier authenticationRequired = () -> true;

    private final RequestSink sink;
    private final RespNumbers.Parser numbers = new RespNumbers.Parser();

    private boolean failed;
    // State of the request being framed; positions are relative to the buffer's readerIndex, which stays
    // at the request's first byte until the request is complete.
    private boolean inRequest;
    private boolean inline;
    private int position;
    private int scannedTo;
    private int declaredArgs;
    private int argCount;
    private int pendingBulkLength = -1;
    private int[] offsets;
    private int[] lengths;

    public RespRequestDecoder(RespLimits limits, RequestSink sink) {
        this.limits = limits;
        this.sink = sink;
    }

    /**
     * Bounds requests as Redis bounds a client that must authenticate and has not yet: at most
     * {@value #UNAUTHENTICATED_MAX_ARGS} arguments of at most {@value #UNAUTHENTICATED_MAX_BULK} bytes, with
     * Redis' "unauthenticated" protocol errors; until {@link #authenticated()}, and only while
     * {@code stillRequired} says a password is asked for.
     */
    public void requireAuthentication(BooleanSupplier stillRequired) {
        authenticationRequired = stillRequired;
        if (afterAuthentication == null) {
            afterAuthentication = limits;
            limits = limits.withMaxRequestArgs(Math.min(limits.maxRequestArgs(), UNAUTHENTICATED_MAX_ARGS))
                    .withMaxBulkLength(Math.min(limits.maxBulkLength(), UNAUTHENTICATED_MAX_BULK));
        }
    }

    /**
     * The limits a request past the unauthenticated bounds is held to: those bounds while a password is
     * still asked for, else the configured limits (asked only then, so the common request pays nothing).
     */
    private RespLimits boundsInForce() {
        return afterAuthentication != null && !authenticationRequired.getAsBoolean() ? afterAuthentication : limits;
    }

    /** The client authenticated: the configured limits apply from the next request on. */
    public void authenticated() {
        if (afterAuthentication != null) {
            limits = afterAuthentication;
            afterAuthentication = null;
        }
    }

    /** True while a request has started to arrive but is not complete (for the partial-request deadline). */
    public boolean hasPartialRequest() {
        return inRequest || (!failed && internalBuffer().isReadable());
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (!failed && in.isReadable()) {
            if (!inRequest) {
                inRequest = true;
                inline = in.getByte(in.readerIndex()) != '*';
                position = inline ? 0 : 1;
                scannedTo = position;
            }
            Object result = inline ? decodeInline(ctx, in) : decodeMultibulk(in);
            if (result == null) {
                return; // need more bytes
            }
            resetRequest();
            if (result instanceof RequestError error) {
                failed = true;
                sink.onRequestError(error);
            } else if (result != NOTHING) {
                sink.onRequest((RedisRequest) result);
            }
        }
        if (failed) {
            in.skipBytes(in.readableBytes());
        }
    }

    // ---- multibulk: *<count>\r\n then <count> x $<len>\r\n<data>\r\n ----

    private Object decodeMultibulk(ByteBuf in) {
        int start = in.readerIndex();
        if (declaredArgs == 0
                && in.readableBytes() >= 4
                && (in.getInt(start) & ONE_DIGIT_LINE_MASK) == ONE_DIGIT_ARRAY
                && oneDigit(in.getInt(start)) > 0) {
            // Fast path for the common "*<1-9>\r\n": one read instead of a scan and a parse.
            startArgs(oneDigit(in.getInt(start)), 4);
        }
        if (declaredArgs == 0) {
            int cr = findLineEnd(in, start);
            if (cr < 0) {
                return cr == NEED_MORE ? null : RequestError.protocol("too big mbulk count string");
            }
            long count = numbers.parse(in, start + 1, cr - start - 1);
            if (count == RespNumbers.INVALID
                    || count > Integer.MAX_VALUE
                    || (count > limits.maxRequestArgs()
                            && count > boundsInForce().maxRequestArgs())) {
                return RequestError.protocol(
                        afterAuthentication != null && count > 0
                                ? "unauthenticated multibulk length"
                                : "invalid multibulk length");
            }
            if (!hasLf(in, cr)) {
                return in.writerIndex() > cr + 1 ? RequestError.protocol("expected CRLF") : null;
            }
            position = cr + 2 - start;
            scannedTo = position;
            if (count <= 0) {
                in.skipBytes(position);
                return NOTHING;
            }
            startArgs((int) count, position);
        }
        while (argCount < declaredArgs) {
            if (pendingBulkLength < 0) {
                int headerStart = start + position;
                if (in.writerIndex() <= headerStart) {
                    return null;
                }
                if (in.writerIndex() - headerStart >= 4
                        && (in.getInt(headerStart) & ONE_DIGIT_LINE_MASK) == ONE_DIGIT_BULK
                        && oneDigit(in.getInt(headerStart)) >= 0) {
                    // Fast path for "$<0-9>\r\n", the length line of most keys and small values.
                    pendingBulkLength = oneDigit(in.getInt(headerStart));
                    position += 4;
                }
            }
            if (pendingBulkLength < 0) {
                int headerStart = start + position;
                byte type = in.getByte(headerStart);
                if (type != '$') {
                    return RequestError.protocol("expected '$', got '" + printable(type) + "'");
                }
                int cr = findLineEnd(in, headerStart);
                if (cr < 0) {
                    return cr == NEED_MORE ? null : RequestError.protocol("too big bulk count string");
                }
                long length = numbers.parse(in, headerStart + 1, cr - headerStart - 1);
                if (length == RespNumbers.INVALID
                        || length < 0
                        || (length > limits.maxBulkLength()
                                && length > boundsInForce().maxBulkLength())) {
                    return RequestError.protocol(
                            afterAuthentication != null && length > 0
                                    ? "unauthenticated bulk length"
                                    : "invalid bulk length");
                }
                if (!hasLf(in, cr)) {
                    return in.writerIndex() > cr + 1 ? RequestError.protocol("expected CRLF") : null;
                }
                position = cr + 2 - start;
                pendingBulkLength = (int) length;
            }
            if (position + pendingBulkLength + 2L > limits.maxRequestBytes()) {
                // Redis closes a client past its query buffer limit without a reply.
                return new RequestError(null);
            }
            int dataStart = start + position;
            if (in.writerIndex() - dataStart < pendingBulkLength + 2L) {
                return null;
            }
            int dataEnd = dataStart + pendingBulkLength;
            if (in.getShort(dataEnd) != CRLF) {
                return RequestError.protocol("expected CRLF");
            }
            addArg(position, pendingBulkLength);
            position += pendingBulkLength + 2;
            scannedTo = position;
            pendingBulkLength = -1;
        }
        RedisRequest request = new RedisRequest(in.retain(), start, position, argCount, offsets, lengths);
        in.skipBytes(position);
        return request;
    }

    /**
     * Finds the CR ending a length line that starts at absolute index {@code lineStart}, resuming the
     * scan where the last call stopped.
     *
     * @return the CR's index, {@link #NEED_MORE}, or {@link #TOO_LONG} past the length-line limit
     */
    private int findLineEnd(ByteBuf in, int lineStart) {
        int from = Math.max(in.readerIndex() + scannedTo, lineStart + 1);
        int cr = in.indexOf(from, in.writerIndex(), (byte) '\r');
        if (cr >= 0) {
            return cr;
        }
        scannedTo = in.writerIndex() - in.readerIndex();
        if (in.writerIndex() - lineStart > limits.maxInlineLength()) {
            return TOO_LONG;
        }
        return NEED_MORE;
    }

    private void startArgs(int count, int headerLength) {
        declaredArgs = count;
        position = headerLength;
        scannedTo = headerLength;
        int slots = Math.min(declaredArgs, INITIAL_ARG_SLOTS);
        offsets = new int[slots];
        lengths = new int[slots];
    }

    /** The digit of a one-digit length line read as an int, or -1 if that byte is not a digit. */
    private static int oneDigit(int line) {
        int digit = ((line >>> 16) & 0xFF) - '0';
        return digit >= 0 && digit <= 9 ? digit : -1;
    }

    private static boolean hasLf(ByteBuf in, int cr) {
        return in.writerIndex() > cr + 1 && in.getByte(cr + 1) == '\n';
    }

    private void addArg(int offset, int length) {
        if (argCount == offsets.length) {
            int grown = (int) Math.min((long) offsets.length * 2, declaredArgs);
            offsets = Arrays.copyOf(offsets, grown);
            lengths = Arrays.copyOf(lengths, grown);
        }
        offsets[argCount] = offset;
        lengths[argCount] = length;
        argCount++;
    }

    // ---- inline: one line of blank-separated arguments ----

    private Object decodeInline(ChannelHandlerContext ctx, ByteBuf in) {
        int start = in.readerIndex();
        int from = start + scannedTo;
        int newline = -1;
        for (int i = from; i < in.writerIndex(); i++) {
            byte b = in.getByte(i);
            if (b == '\n') {
                newline = i;
                break;
            }
            if (b == 0) {
                // Redis' strchr() stops at a NUL, so it never finds the newline and, 64 KiB later,
                // answers "too big inline request". Say it at once.
                return RequestError.protocol("too big inline request");
            }
        }
        if (newline < 0) {
            scannedTo = in.writerIndex() - start;
            if (scannedTo > limits.maxInlineLength()) {
                return RequestError.protocol("too big inline request");
            }
            return null;
        }
        int lineEnd = newline > start && in.getByte(newline - 1) == '\r' ? newline - 1 : newline;
        byte[] line = new byte[lineEnd - start];
        in.getBytes(start, line);
        in.skipBytes(newline + 1 - start);
        List<byte[]> args = InlineSplitter.split(line);
        if (args == null) {
            return RequestError.protocol("unbalanced quotes in request");
        }
        if (args.isEmpty()) {
            return NOTHING;
        }
        return RespWriter.request(ctx.alloc(), args);
    }

    private void resetRequest() {
        inRequest = false;
        position = 0;
        scannedTo = 0;
        declaredArgs = 0;
        argCount = 0;
        pendingBulkLength = -1;
        offsets = null;
        lengths = null;
    }

    /** Redis replaces CR and LF in error texts with spaces so the error line stays one line. */
    private static char printable(byte b) {
        return b == '\r' || b == '\n' ? ' ' : (char) (b & 0xff);
    }
}

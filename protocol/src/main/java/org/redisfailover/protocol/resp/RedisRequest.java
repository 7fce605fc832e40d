package org.redisfailover.protocol.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One client request: a range of canonical RESP bytes in a buffer, plus where each argument sits.
 *
 * <p>The bytes are what the decoder validated byte by byte (strict lengths and CRLFs), so forwarding
 * them as they are is the same as re-serialising the arguments, without the work. Inline requests are
 * re-encoded as RESP arrays by the decoder, so a backend only ever sees the canonical form. The range
 * lives in the decoder's own buffer, which the request keeps retained (no slice object per request;
 * Netty's cumulator never writes into a buffer someone else retains).
 *
 * <p>Reference counted: whoever stops forwarding a request releases it.
 */
public final class RedisRequest extends AbstractReferenceCounted {

    private final ByteBuf buffer;
    private final int start;
    private final int length;
    private final int argc;
    private final int[] offsets;
    private final int[] lengths;
    private String name;

    /**
     * @param buffer  holds the request; one reference passes to this object
     * @param start   absolute index of the request's first byte in {@code buffer}
     * @param length  the request's length in bytes
     * @param argc    number of arguments, at least 1
     * @param offsets where each argument's data starts, relative to {@code start}
     * @param lengths each argument's length
     */
    public RedisRequest(ByteBuf buffer, int start, int length, int argc, int[] offsets, int[] lengths) {
        if (argc < 1) {
            throw new IllegalArgumentException("argc: " + argc + " (expected: >= 1)");
        }
        this.buffer = buffer;
        this.start = start;
        this.length = length;
        this.argc = argc;
        this.offsets = offsets;
        this.lengths = lengths;
    }

    /** The buffer that holds the request; its bytes are {@code [start(), start() + length())}. */
    public ByteBuf buffer() {
        return buffer;
    }

    public int start() {
        return start;
    }

    public int length() {
        return length;
    }

    /** A view of the request's bytes (not retained; valid while the request is). */
    public ByteBuf bytes() {
        return buffer.slice(start, length);
    }

    public int argc() {
        return argc;
    }

    public int argLength(int index) {
        return lengths[checkIndex(index)];
    }

    /** Absolute index in {@link #buffer()} where argument {@code index}'s data starts. */
    public int argIndex(int index) {
        return start + offsets[checkIndex(index)];
    }

    /** The command name in lower case (ASCII), computed once. */
    public String name() {
        if (name == null) {
            name = lowerCaseArg(0);
        }
        return name;
    }

    /** Argument {@code index} in lower case (ASCII letters only), for subcommand and keyword lookups. */
    public String lowerCaseArg(int index) {
        int argLength = argLength(index);
        int from = argIndex(index);
        char[] chars = new char[argLength];
        for (int i = 0; i < argLength; i++) {
            int b = buffer.getByte(from + i) & 0xff;
            chars[i] = (char) (b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b);
        }
        return new String(chars);
    }

    /** Argument {@code index} as bytes (a copy). */
    public byte[] arg(int index) {
        byte[] copy = new byte[argLength(index)];
        buffer.getBytes(argIndex(index), copy);
        return copy;
    }

    /** Argument {@code index} decoded as UTF-8, for messages and logs. */
    public String argAsString(int index) {
        return buffer.toString(argIndex(index), lengths[index], StandardCharsets.UTF_8);
    }

    /** Argument {@code index} as a number by Redis' rules, or {@link RespNumbers#INVALID}. */
    public long argAsLong(int index) {
        return RespNumbers.parse(buffer, argIndex(index), lengths[index]);
    }

    /** True when argument {@code index} equals {@code lowerCaseKeyword} ignoring ASCII case. */
    public boolean argEqualsIgnoreCase(int index, String lowerCaseKeyword) {
        int argLength = argLength(index);
        if (argLength != lowerCaseKeyword.length()) {
            return false;
        }
        int from = argIndex(index);
        for (int i = 0; i < argLength; i++) {
            int b = buffer.getByte(from + i) & 0xff;
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != lowerCaseKeyword.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Every argument as bytes (copies), name first: for a request that may have to be sent again. */
    public List<byte[]> args() {
        List<byte[]> args = new ArrayList<>(argc);
        for (int i = 0; i < argc; i++) {
            args.add(arg(i));
        }
        return args;
    }

    /**
     * A copy of this request with {@code suffix} (whole RESP requests) written right after it, so both
     * go out in one write; its arguments are this request's. This request is released.
     */
    public RedisRequest followedBy(ByteBufAllocator alloc, byte[] suffix) {
        ByteBuf combined = alloc.buffer(length + suffix.length);
        combined.writeBytes(buffer, start, length);
        combined.writeBytes(suffix);
        RedisRequest copy = new RedisRequest(combined, 0, combined.readableBytes(), argc, offsets, lengths);
        release();
        return copy;
    }

    private int checkIndex(int index) {
        if (index < 0 || index >= argc) {
            throw new IndexOutOfBoundsException("argument " + index + " of " + argc);
        }
        return index;
    }

    @Override
    protected void deallocate() {
        buffer.release();
    }

    @Override
    public ReferenceCounted touch(Object hint) {
        buffer.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return "RedisRequest(" + name() + ", argc=" + argc + ")";
    }
}

package org.redisfailover.protocol.resp;

import io.netty.buffer.ByteBuf;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;
import java.nio.charset.StandardCharsets;

/**
 * One client request: its canonical RESP bytes plus where each argument sits in them.
 *
 * <p>The bytes are what the decoder validated byte by byte (strict lengths and CRLFs), so forwarding
 * them as they are is the same as re-serialising the arguments, without the copy. Inline requests are
 * re-encoded as RESP arrays by the decoder, so a backend only ever sees the canonical form.
 *
 * <p>Reference counted: whoever stops forwarding a request releases it.
 */
public final class RedisRequest extends AbstractReferenceCounted {

    private final ByteBuf bytes;
    private final int argc;
    private final int[] offsets;
    private final int[] lengths;
    private String name;

    /**
     * @param bytes   the whole request in RESP form; ownership passes to this object
     * @param argc    number of arguments, at least 1
     * @param offsets where each argument's data starts, relative to {@code bytes.readerIndex()}
     * @param lengths each argument's length
     */
    public RedisRequest(ByteBuf bytes, int argc, int[] offsets, int[] lengths) {
        if (argc < 1) {
            throw new IllegalArgumentException("argc: " + argc + " (expected: >= 1)");
        }
        this.bytes = bytes;
        this.argc = argc;
        this.offsets = offsets;
        this.lengths = lengths;
    }

    /** The request in RESP form, to be written to a backend with {@code retainedDuplicate()}. */
    public ByteBuf bytes() {
        return bytes;
    }

    public int argc() {
        return argc;
    }

    public int argLength(int index) {
        return lengths[checkIndex(index)];
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
        int length = argLength(index);
        int start = bytes.readerIndex() + offsets[index];
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            int b = bytes.getByte(start + i) & 0xff;
            chars[i] = (char) (b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b);
        }
        return new String(chars);
    }

    /** Argument {@code index} as bytes (a copy). */
    public byte[] arg(int index) {
        byte[] copy = new byte[argLength(index)];
        bytes.getBytes(bytes.readerIndex() + offsets[index], copy);
        return copy;
    }

    /** Argument {@code index} decoded as UTF-8, for messages and logs. */
    public String argAsString(int index) {
        return bytes.toString(bytes.readerIndex() + offsets[checkIndex(index)], lengths[index], StandardCharsets.UTF_8);
    }

    /** Argument {@code index} as a number by Redis' rules, or {@link RespNumbers#INVALID}. */
    public long argAsLong(int index) {
        return RespNumbers.parse(bytes, bytes.readerIndex() + offsets[checkIndex(index)], lengths[index]);
    }

    /** True when argument {@code index} equals {@code lowerCaseKeyword} ignoring ASCII case. */
    public boolean argEqualsIgnoreCase(int index, String lowerCaseKeyword) {
        int length = argLength(index);
        if (length != lowerCaseKeyword.length()) {
            return false;
        }
        int start = bytes.readerIndex() + offsets[index];
        for (int i = 0; i < length; i++) {
            int b = bytes.getByte(start + i) & 0xff;
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != lowerCaseKeyword.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private int checkIndex(int index) {
        if (index < 0 || index >= argc) {
            throw new IndexOutOfBoundsException("argument " + index + " of " + argc);
        }
        return index;
    }

    @Override
    protected void deallocate() {
        bytes.release();
    }

    @Override
    public ReferenceCounted touch(Object hint) {
        bytes.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return "RedisRequest(" + name() + ", argc=" + argc + ")";
    }
}

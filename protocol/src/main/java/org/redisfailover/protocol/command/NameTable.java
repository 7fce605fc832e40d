package org.redisfailover.protocol.command;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * An immutable map from lower-case ASCII names to values, looked up directly in a request's bytes,
 * ignoring ASCII case, without building a String: the per-request command lookup allocates nothing.
 * Open addressing with linear probing over a power-of-two table at most half full.
 */
final class NameTable<V> {

    private final byte[][] keys;
    private final Object[] values;
    private final int mask;
    private final int longestKey;

    NameTable(Map<String, V> entries) {
        int capacity = Integer.highestOneBit(Math.max(4, entries.size() * 2 + 1) - 1) << 1;
        keys = new byte[capacity][];
        values = new Object[capacity];
        mask = capacity - 1;
        int longest = 0;
        for (Map.Entry<String, V> entry : entries.entrySet()) {
            byte[] key = entry.getKey().getBytes(StandardCharsets.US_ASCII);
            longest = Math.max(longest, key.length);
            int slot = hash(key) & mask;
            while (keys[slot] != null) {
                slot = (slot + 1) & mask;
            }
            keys[slot] = key;
            values[slot] = entry.getValue();
        }
        longestKey = longest;
    }

    /** The value for the name in {@code length} bytes of {@code buf} at absolute {@code index}, or null. */
    @SuppressWarnings("unchecked")
    V get(ByteBuf buf, int index, int length) {
        if (length > longestKey) {
            return null;
        }
        int h = 0;
        for (int i = 0; i < length; i++) {
            h = 31 * h + lower(buf.getByte(index + i));
        }
        for (int slot = spread(h) & mask; ; slot = (slot + 1) & mask) {
            byte[] key = keys[slot];
            if (key == null) {
                return null;
            }
            if (key.length == length && matches(key, buf, index)) {
                return (V) values[slot];
            }
        }
    }

    private static boolean matches(byte[] key, ByteBuf buf, int index) {
        for (int i = 0; i < key.length; i++) {
            if (key[i] != lower(buf.getByte(index + i))) {
                return false;
            }
        }
        return true;
    }

    private static int hash(byte[] key) {
        int h = 0;
        for (byte b : key) {
            h = 31 * h + lower(b);
        }
        return spread(h);
    }

    private static int spread(int h) {
        return h ^ (h >>> 16);
    }

    private static byte lower(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b + ('a' - 'A')) : b;
    }
}

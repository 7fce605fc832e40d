package org.redisfailover.protocol.command;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The flags an EVAL script declares in its shebang line ({@code #!lua flags=no-writes,allow-stale}, Redis
 * 7): a script flagged {@code no-writes} cannot write, whatever EVAL's own command flags say. Only the
 * first line is read, and at most {@link #MAX_LINE} bytes of it.
 */
final class ScriptFlags {

    /** Longer than any shebang Redis accepts in practice; a bound, so a huge script costs nothing more. */
    static final int MAX_LINE = 256;

    private ScriptFlags() {}

    /** Whether the script in {@code buffer} at {@code index} (of {@code length} bytes) declares {@code no-writes}. */
    static boolean declaresNoWrites(ByteBuf buffer, int index, int length) {
        if (length < 2 || buffer.getByte(index) != '#' || buffer.getByte(index + 1) != '!') {
            return false;
        }
        int end = index + Math.min(length, MAX_LINE);
        int newline = buffer.indexOf(index, end, (byte) '\n');
        String line = buffer.toString(index, (newline < 0 ? end : newline) - index, StandardCharsets.US_ASCII);
        String[] words = line.strip().split("\\s+");
        for (int i = 1; i < words.length; i++) {
            if (words[i].startsWith("flags=")) {
                for (String flag : words[i].substring("flags=".length()).split(",")) {
                    if (flag.equals("no-writes")) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}

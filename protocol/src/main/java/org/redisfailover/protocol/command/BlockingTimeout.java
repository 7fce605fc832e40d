package org.redisfailover.protocol.command;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where a blocking command keeps its timeout, so that a call interrupted by a failover can be sent
 * again with what is left of it. Timeouts are seconds (a decimal, as BLPOP takes them) or milliseconds
 * (XREAD BLOCK, WAIT, WAITAOF); 0 means forever and stays 0.
 *
 * @param index  the argument holding the timeout
 * @param millis true for milliseconds, false for seconds
 */
public record BlockingTimeout(int index, boolean millis) {

    /** The timeout of {@code args} (name first), or null when the command has none or it is malformed. */
    public static BlockingTimeout of(List<byte[]> args) {
        String name = new String(args.get(0), StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
        int last = args.size() - 1;
        BlockingTimeout found =
                switch (name) {
                    case "blpop", "brpop", "bzpopmin", "bzpopmax", "brpoplpush", "blmove" ->
                        new BlockingTimeout(last, false);
                    case "blmpop", "bzmpop" -> new BlockingTimeout(1, false);
                    case "wait" -> new BlockingTimeout(2, true);
                    case "waitaof" -> new BlockingTimeout(3, true);
                    case "xread", "xreadgroup" -> afterBlockKeyword(args);
                    default -> null;
                };
        return found != null && found.index > 0 && found.index < args.size() && found.valueMillis(args) >= 0
                ? found
                : null;
    }

    private static BlockingTimeout afterBlockKeyword(List<byte[]> args) {
        for (int i = 1; i + 1 < args.size(); i++) {
            String word = new String(args.get(i), StandardCharsets.US_ASCII);
            if (word.equalsIgnoreCase("streams")) {
                return null;
            }
            if (word.equalsIgnoreCase("block")) {
                return new BlockingTimeout(i + 1, true);
            }
        }
        return null;
    }

    /** The timeout in milliseconds (0: forever), or -1 when it is not a valid non-negative number. */
    public long valueMillis(List<byte[]> args) {
        try {
            BigDecimal value = new BigDecimal(new String(args.get(index), StandardCharsets.US_ASCII));
            if (value.signum() < 0) {
                return -1;
            }
            return millis
                    ? value.longValueExact()
                    : value.movePointRight(3).setScale(0, RoundingMode.CEILING).longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            return -1;
        }
    }

    /** A copy of {@code args} whose timeout is {@code remainingMillis} (at least 1 ms, so it does not become "forever"). */
    public List<byte[]> withRemaining(List<byte[]> args, long remainingMillis) {
        long value = Math.max(1, remainingMillis);
        String text =
                millis ? Long.toString(value) : BigDecimal.valueOf(value, 3).toPlainString();
        List<byte[]> copy = new ArrayList<>(args);
        copy.set(index, text.getBytes(StandardCharsets.US_ASCII));
        return copy;
    }
}

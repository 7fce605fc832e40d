package org.redisfailover.protocol.command;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.resp.RespValue;

/**
 * One key specification of a command, as the server describes it in {@code COMMAND} (Redis 7+): where the
 * search for keys begins (a fixed index, or after a keyword) and how the keys are found from there (a range,
 * or a count read from the arguments). Walked exactly as Redis walks it ({@code getKeysUsingKeySpecs} in
 * db.c), so a command a newer server or a module adds is routed by its own description.
 */
final class KeySpec {

    /** Fixed argument index where keys begin; 0 when they begin after {@link #keyword}. */
    private final int index;

    private final byte[] keyword;
    private final int startFrom;
    /** True: keys form a range (lastKey, keyStep, limit); false: their count is an argument (keyNumIdx, firstKey, keyStep). */
    private final boolean range;

    private final int lastKey;
    private final int keyStep;
    private final int limit;
    private final int keyNumIdx;
    private final int firstKey;

    private KeySpec(
            int index,
            byte[] keyword,
            int startFrom,
            boolean range,
            int lastKey,
            int keyStep,
            int limit,
            int keyNumIdx,
            int firstKey) {
        this.index = index;
        this.keyword = keyword;
        this.startFrom = startFrom;
        this.range = range;
        this.lastKey = lastKey;
        this.keyStep = Math.max(1, keyStep);
        this.limit = limit;
        this.keyNumIdx = keyNumIdx;
        this.firstKey = firstKey;
    }

    /**
     * A spec from its {@code COMMAND} map (a flat list of names and values), or null for one whose search
     * is of a type Redis itself cannot walk ({@code unknown}: the command's keys come from its own code).
     */
    static KeySpec parse(List<Object> fields) {
        List<Object> begin = RespValue.list(RespValue.field(fields, "begin_search"));
        List<Object> find = RespValue.list(RespValue.field(fields, "find_keys"));
        String beginType = RespValue.string(RespValue.field(begin, "type"));
        String findType = RespValue.string(RespValue.field(find, "type"));
        List<Object> beginSpec = RespValue.list(RespValue.field(begin, "spec"));
        List<Object> findSpec = RespValue.list(RespValue.field(find, "spec"));
        int index = 0;
        byte[] keyword = null;
        int startFrom = 0;
        if ("index".equals(beginType)) {
            index = (int) RespValue.number(RespValue.field(beginSpec, "index"), 0);
            if (index <= 0) {
                return null;
            }
        } else if ("keyword".equals(beginType)) {
            String word = RespValue.string(RespValue.field(beginSpec, "keyword"));
            if (word == null) {
                return null;
            }
            keyword = word.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
            startFrom = (int) RespValue.number(RespValue.field(beginSpec, "startfrom"), 1);
        } else {
            return null;
        }
        if ("range".equals(findType)) {
            return new KeySpec(
                    index,
                    keyword,
                    startFrom,
                    true,
                    (int) RespValue.number(RespValue.field(findSpec, "lastkey"), 0),
                    (int) RespValue.number(RespValue.field(findSpec, "keystep"), 1),
                    (int) RespValue.number(RespValue.field(findSpec, "limit"), 0),
                    0,
                    0);
        }
        if ("keynum".equals(findType)) {
            return new KeySpec(
                    index,
                    keyword,
                    startFrom,
                    false,
                    0,
                    (int) RespValue.number(RespValue.field(findSpec, "keystep"), 1),
                    0,
                    (int) RespValue.number(RespValue.field(findSpec, "keynumidx"), 0),
                    (int) RespValue.number(RespValue.field(findSpec, "firstkey"), 1));
        }
        return null;
    }

    /** {@link #keyRange} of a request in which this spec finds no key. */
    static final long NONE = -1;

    /**
     * Where this spec's keys are in {@code request}: the first argument index in the high 32 bits, the last in
     * the low ones (a key every {@link #step()} between them), or {@link #NONE}. A spec that does not fit the
     * arguments (a syntax error Redis will report) finds no key. Allocates nothing.
     */
    long keyRange(RedisRequest request) {
        int argc = request.argc();
        int first = index > 0 ? index : afterKeyword(request, argc);
        if (first <= 0 || first >= argc) {
            return NONE;
        }
        int last;
        if (range) {
            if (lastKey >= 0) {
                last = first + lastKey;
            } else if (limit <= 0) {
                last = argc + lastKey;
            } else {
                last = first + ((argc - first) / limit + lastKey);
            }
        } else {
            if (keyNumIdx >= argc - first) {
                return NONE;
            }
            long count = request.argAsLong(first + keyNumIdx);
            if (count < 0 || count > argc) {
                return NONE;
            }
            first += firstKey;
            last = first + (int) count - 1;
        }
        if (last >= argc || last < first) {
            return NONE;
        }
        return ((long) first << 32) | last;
    }

    static int first(long keyRange) {
        return (int) (keyRange >>> 32);
    }

    static int last(long keyRange) {
        return (int) keyRange;
    }

    /** The distance between two keys of this spec (2 for key-value pairs). */
    int step() {
        return keyStep;
    }

    /** The index after the keyword, searched from {@code startFrom} (from the end when negative); 0 when absent. */
    private int afterKeyword(RedisRequest request, int argc) {
        int from = startFrom > 0 ? startFrom : argc + startFrom;
        int to = startFrom > 0 ? argc - 1 : 1;
        int step = startFrom > 0 ? 1 : -1;
        for (int i = from; step > 0 ? i <= to : i >= to; i += step) {
            if (i < 1 || i >= argc) {
                break;
            }
            if (request.argLength(i) == keyword.length && matchesKeyword(request, i)) {
                return i + 1;
            }
        }
        return 0;
    }

    private boolean matchesKeyword(RedisRequest request, int arg) {
        int at = request.argIndex(arg);
        for (int i = 0; i < keyword.length; i++) {
            byte b = request.buffer().getByte(at + i);
            if ((b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b) != keyword[i]) {
                return false;
            }
        }
        return true;
    }
}

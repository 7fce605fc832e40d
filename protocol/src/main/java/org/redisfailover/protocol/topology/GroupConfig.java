package org.redisfailover.protocol.topology;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The server settings clients changed through a proxy with CONFIG SET, in {@code {root}/config}: the
 * leading monitor applies them to every node that joins, returns or restarts, so that a failover never
 * reverts them. Parameters keep the order they were last set in (Redis accepts a setting and its alias,
 * the later one wins), with lower-case names.
 *
 * @param parameters parameter name to value, in the order they were last set
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record GroupConfig(Map<String, String> parameters) {

    public static final GroupConfig EMPTY = new GroupConfig(Map.of());

    public GroupConfig {
        parameters = parameters == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /** This record with {@code pairs} (name, value, name, value, ...) set last. */
    public GroupConfig with(List<String> pairs) {
        if (pairs.size() % 2 != 0) {
            throw new IllegalArgumentException("parameter without a value: " + pairs);
        }
        Map<String, String> next = new LinkedHashMap<>(parameters);
        for (int i = 0; i < pairs.size(); i += 2) {
            String name = pairs.get(i).toLowerCase(Locale.ROOT);
            next.remove(name); // moves it to the end: the latest setting is applied last
            next.put(name, pairs.get(i + 1));
        }
        return new GroupConfig(next);
    }

    public byte[] encode() {
        return ZkJson.encode(this);
    }

    /** Parses a record; throws {@link IllegalArgumentException} when it is not one. */
    public static GroupConfig decode(byte[] data) {
        return data == null || data.length == 0
                ? EMPTY
                : ZkJson.decode(data, GroupConfig.class, "a group configuration");
    }
}

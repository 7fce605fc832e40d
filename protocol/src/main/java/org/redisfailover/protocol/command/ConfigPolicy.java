package org.redisfailover.protocol.command;

import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The CONFIG SET parameters a client may not change through the proxy, with the reason it is told: they
 * would take the group apart or out of the monitor's hands (replication, listening ports, file paths, TLS,
 * credentials), or they apply to the proxy's own backend connections. Kept in the reviewed file
 * {@code config-policy.properties}; each line is {@code parameter = reason} or {@code prefix* = reason}.
 */
public final class ConfigPolicy {

    static final String RESOURCE = "config-policy.properties";

    private final Map<String, String> exact;
    private final Map<String, String> prefixes;

    private ConfigPolicy(Map<String, String> exact, Map<String, String> prefixes) {
        this.exact = Collections.unmodifiableMap(exact);
        this.prefixes = Collections.unmodifiableMap(prefixes);
    }

    /** The policy checked in with this build. */
    public static ConfigPolicy load() {
        return of(PolicyFile.load(RESOURCE));
    }

    static ConfigPolicy parse(InputStream in) throws IOException {
        return of(PolicyFile.parse(in, RESOURCE));
    }

    private static ConfigPolicy of(Map<String, String> entries) {
        Map<String, String> exact = new LinkedHashMap<>();
        Map<String, String> prefixes = new LinkedHashMap<>();
        entries.forEach((name, reason) -> {
            if (name.endsWith("*")) {
                prefixes.put(name.substring(0, name.length() - 1), reason);
            } else {
                exact.put(name, reason);
            }
        });
        return new ConfigPolicy(exact, prefixes);
    }

    /** Why a client may not set {@code parameter} (any case), or null when it may. */
    public String refusal(String parameter) {
        String name = parameter.toLowerCase(Locale.ROOT);
        String reason = exact.get(name);
        if (reason != null) {
            return reason;
        }
        for (Map.Entry<String, String> prefix : prefixes.entrySet()) {
            if (name.startsWith(prefix.getKey())) {
                return prefix.getValue();
            }
        }
        return null;
    }

    /** Every entry, prefixes with their trailing {@code *}, for the documentation check. */
    public Map<String, String> entries() {
        Map<String, String> all = new LinkedHashMap<>(exact);
        prefixes.forEach((prefix, reason) -> all.put(prefix + "*", reason));
        return all;
    }
}

package org.redisfailover.protocol.command;

import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The proxy's own routing decisions, kept in a small reviewed file ({@code command-policy.properties}).
 * They override what Redis' flags would say: commands the proxy answers itself, state it must emulate,
 * and commands it refuses. Each line is {@code name[|sub] = class[: reason]}.
 */
public final class CommandPolicy {

    static final String RESOURCE = "command-policy.properties";

    /** A decision from the file: its class and the reason shown to clients (may be null). */
    public record Decision(RoutingClass routingClass, String reason) {}

    private final Map<String, Decision> decisions;

    private CommandPolicy(Map<String, Decision> decisions) {
        this.decisions = Collections.unmodifiableMap(decisions);
    }

    /** The policy checked in with this build. */
    public static CommandPolicy load() {
        return of(PolicyFile.load(RESOURCE));
    }

    static CommandPolicy parse(InputStream in) throws IOException {
        return of(PolicyFile.parse(in, RESOURCE));
    }

    private static CommandPolicy of(Map<String, String> entries) {
        Map<String, Decision> decisions = new LinkedHashMap<>();
        entries.forEach((name, value) -> {
            int colon = value.indexOf(':');
            String label = (colon < 0 ? value : value.substring(0, colon)).strip();
            String reason = colon < 0 ? null : value.substring(colon + 1).strip();
            decisions.put(name, new Decision(RoutingClass.fromLabel(label), reason));
        });
        return new CommandPolicy(decisions);
    }

    /** The decision for a lower-case command or {@code container|sub} name, or null. */
    public Decision find(String name) {
        return decisions.get(name);
    }

    public Map<String, Decision> decisions() {
        return decisions;
    }
}

package org.redisfailover.protocol.command;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The proxy's own routing decisions, kept in a small reviewed file ({@code command-policy.properties}).
 * They override what Redis' flags would say: commands the proxy answers itself, state it must emulate,
 * and commands it refuses. Each line is {@code name[|sub] = class[: reason]}.
 */
public final class CommandPolicy {

    static final String RESOURCE = "command-policy.properties";

    /** A decision from the file: its class and the reason shown to clients (may be null). */
    public record Decision(RoutingClass routingClass, String reason) {
    }

    private final Map<String, Decision> decisions;

    private CommandPolicy(Map<String, Decision> decisions) {
        this.decisions = Collections.unmodifiableMap(decisions);
    }

    /** The policy checked in with this build. */
    public static CommandPolicy load() {
        try (InputStream in = CommandPolicy.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE);
            }
            return parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    static CommandPolicy parse(InputStream in) throws IOException {
        Map<String, Decision> decisions = new LinkedHashMap<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        int lineNumber = 0;
        for (String line; (line = reader.readLine()) != null; ) {
            lineNumber++;
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            int equals = trimmed.indexOf('=');
            if (equals < 0) {
                throw new IllegalArgumentException(RESOURCE + " line " + lineNumber + ": expected 'name = class[: reason]'");
            }
            String name = trimmed.substring(0, equals).strip().toLowerCase(Locale.ROOT);
            String value = trimmed.substring(equals + 1).strip();
            int colon = value.indexOf(':');
            String label = (colon < 0 ? value : value.substring(0, colon)).strip();
            String reason = colon < 0 ? null : value.substring(colon + 1).strip();
            Decision previous = decisions.put(name, new Decision(RoutingClass.fromLabel(label), reason));
            if (previous != null) {
                throw new IllegalArgumentException(RESOURCE + " line " + lineNumber + ": '" + name + "' listed twice");
            }
        }
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

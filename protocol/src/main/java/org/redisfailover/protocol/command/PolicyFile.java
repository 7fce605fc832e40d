package org.redisfailover.protocol.command;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The reviewed policy files' common format: {@code # comments}, blank lines, and {@code name = value}
 * lines, names lower-cased and listed once each.
 */
final class PolicyFile {

    private PolicyFile() {}

    /** The entries of resource {@code name} beside this class, in file order. */
    static Map<String, String> load(String name) {
        try (InputStream in = PolicyFile.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return parse(in, name);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name, e);
        }
    }

    /** The entries of {@code in}; {@code name} is for the errors, which give the line. */
    static Map<String, String> parse(InputStream in, String name) throws IOException {
        Map<String, String> entries = new LinkedHashMap<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        int lineNumber = 0;
        for (String line; (line = reader.readLine()) != null; ) {
            lineNumber++;
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            int equals = trimmed.indexOf('=');
            String key = equals < 0 ? "" : trimmed.substring(0, equals).strip().toLowerCase(Locale.ROOT);
            String value = equals < 0 ? "" : trimmed.substring(equals + 1).strip();
            if (key.isEmpty() || value.isEmpty()) {
                throw new IllegalArgumentException(name + " line " + lineNumber + ": expected 'name = value'");
            }
            if (entries.put(key, value) != null) {
                throw new IllegalArgumentException(name + " line " + lineNumber + ": '" + key + "' listed twice");
            }
        }
        return entries;
    }
}

package org.redisfailover.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Secrets and switches as the command line and the --config file give them. */
final class Secrets {

    private Secrets() {}

    /** A secret kept in a file rather than in the process' arguments: its first line, without surrounding blanks. */
    static String fromFile(String key, String file) {
        String firstLine = readFile(key, file).lines().findFirst().orElse("").strip();
        if (firstLine.isEmpty()) {
            throw new IllegalArgumentException(key + ": " + file + " is empty");
        }
        return firstLine;
    }

    /** The whole text of the file {@code key} names; an unreadable one is an error naming the key. */
    static String readFile(String key, String file) {
        try {
            return Files.readString(Path.of(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(key + ": cannot read " + file + " (" + e.getMessage() + ")");
        }
    }

    /** The environment variable's value, or null when it is unset or blank (compose passes empty ones). */
    static String fromEnvironment(String variable) {
        String value = System.getenv(variable);
        return value == null || value.isBlank() ? null : value;
    }

    /** A file option's path, or null when the option is absent. */
    static Path pathOrNull(String file) {
        return file == null ? null : Path.of(file);
    }

    /** Redis' yes/no switches. */
    static boolean yesNo(String key, String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "yes" -> true;
            case "no" -> false;
            default -> throw new IllegalArgumentException(key + ": " + value + " (expected: yes or no)");
        };
    }
}

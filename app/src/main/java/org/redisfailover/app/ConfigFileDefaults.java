package org.redisfailover.app;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine;

/**
 * Option defaults from a properties file named by {@code --config}: each key is an option's long name
 * without the dashes ({@code read-policy = prefer-replica}); options given on the command line win.
 * Unknown keys are an error naming the key, so a typo never silently keeps a default.
 */
final class ConfigFileDefaults implements CommandLine.IDefaultValueProvider {

    private final Path file;
    private final Properties properties;

    private ConfigFileDefaults(Path file, Properties properties) {
        this.file = file;
        this.properties = properties;
    }

    /** Finds {@code --config FILE} or {@code --config=FILE} in the raw arguments; null when absent. */
    static ConfigFileDefaults fromArgs(String[] args) throws IOException {
        for (int i = 0; i < args.length; i++) {
            String value = null;
            if (args[i].equals("--config") && i + 1 < args.length) {
                value = args[i + 1];
            } else if (args[i].startsWith("--config=")) {
                value = args[i].substring("--config=".length());
            }
            if (value != null) {
                Path file = Path.of(value);
                Properties properties = new Properties();
                try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    properties.load(reader);
                }
                return new ConfigFileDefaults(file, properties);
            }
        }
        return null;
    }

    @Override
    public String defaultValue(ArgSpec argSpec) {
        if (argSpec instanceof OptionSpec option) {
            String value = properties.getProperty(key(option));
            return value == null ? null : value.strip();
        }
        return null;
    }

    /** Keys of the file that name no option of {@code command}. */
    List<String> unknownKeys(CommandLine.Model.CommandSpec command) {
        Set<String> known = new TreeSet<>();
        command.options().forEach(option -> known.add(key(option)));
        List<String> unknown = new ArrayList<>();
        for (String key : new TreeSet<>(properties.stringPropertyNames())) {
            if (!known.contains(key)) {
                unknown.add(key);
            }
        }
        return unknown;
    }

    Path file() {
        return file;
    }

    private static String key(OptionSpec option) {
        return option.longestName().replaceFirst("^-+", "");
    }
}

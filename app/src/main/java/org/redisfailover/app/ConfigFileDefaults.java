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
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

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
                Set<String> repeated = new TreeSet<>();
                Properties properties = new Properties() {
                    @Override
                    public synchronized Object put(Object key, Object newValue) {
                        if (containsKey(key)) {
                            repeated.add(key.toString());
                        }
                        return super.put(key, newValue);
                    }
                };
                try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    properties.load(reader);
                }
                if (!repeated.isEmpty()) {
                    throw new IllegalArgumentException(
                            file + ": key(s) " + repeated + " set more than once (which one should win?)");
                }
                for (String key : new TreeSet<>(properties.stringPropertyNames())) {
                    if (properties.getProperty(key).contains(" #")) {
                        throw new IllegalArgumentException(
                                file + ": " + key + ": '"
                                        + properties.getProperty(key).strip() + "' holds ' #'; "
                                        + "a properties file has no comments after a value: put the comment on a line of its own");
                    }
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

    /** Keys of the file that name no option of any of {@code commands}. */
    List<String> unknownKeys(List<CommandLine.Model.CommandSpec> commands) {
        Set<String> known = new TreeSet<>();
        commands.forEach(command -> command.options().forEach(option -> known.add(key(option))));
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

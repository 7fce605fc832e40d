package org.redisfailover.app;

import ch.qos.logback.classic.Level;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --log-format} and {@code --log-level}, the same for every subcommand. */
final class LogOptions {

    @Option(
            names = "--log-format",
            defaultValue = "text",
            description =
                    "text (key=value pairs, one line per event) or json (one JSON object per line: @timestamp in ISO-8601, "
                            + "level, logger_name, message, and each key-value pair as a field) (default: ${DEFAULT-VALUE}).")
    String logFormat;

    @Option(
            names = "--log-level",
            paramLabel = "LEVEL",
            description =
                    "error, warn, info, debug or trace (default: info for proxy and monitor, warn for the other commands; "
                            + "reloadable for the proxy).")
    String logLevel;

    /** The level asked for, else {@code byDefault}; throws IllegalArgumentException naming the option. */
    Level level(Level byDefault) {
        return logLevel == null ? byDefault : LogSetup.parseLevel(logLevel);
    }

    LogSetup.Format format() {
        return LogSetup.Format.parse(logFormat);
    }

    /** Checks both settings, then logs with them; {@code secrets} never appear in the output. */
    void apply(Level byDefault, List<String> secrets) {
        LogSetup.apply(format(), level(byDefault), secrets);
    }
}

package org.redisfailover.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.LoggerFactory;

/**
 * Logging of a running proxy or monitor: one line per event on stderr, as {@code key=value} pairs
 * (logfmt, for people and grep) or JSON (logstash-logback-encoder: the formatted message, an ISO-8601
 * {@code @timestamp} and each key-value pair as a field, as log pipelines take them), at a level that a
 * reload can change. Secrets never reach the output: the configured password is replaced wherever it
 * appears, and so is anything written as {@code password=...}.
 */
final class LogSetup {

    /** The output format, {@code log-format} in the configuration. */
    enum Format {
        TEXT,
        JSON;

        static Format parse(String value) {
            return switch (value.toLowerCase(Locale.ROOT)) {
                case "text", "logfmt" -> TEXT;
                case "json" -> JSON;
                default -> throw new IllegalArgumentException("log-format: '" + value + "' (expected: text or json)");
            };
        }
    }

    /** logfmt: quoted message, the event's key-value pairs, and an exception folded onto the same line. */
    static final String TEXT_PATTERN =
            "time=%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} level=%level logger=%logger{0} thread=%thread "
                    + "msg=\"%replace(%msg){'\"','\\\\\"'}\" %kvp{DOUBLE}%replace(%ex{short}){'[\\r\\n\\t]+',' '}%nopex%n";

    /** The loggers whose level {@code log-level} sets: the proxy's and the monitor's own. */
    private static final String OWN_LOGGERS = "org.redisfailover";

    private LogSetup() {}

    /**
     * One JSON object per line: {@code @timestamp} (ISO-8601 with the offset), {@code level}, {@code logger_name},
     * {@code thread_name}, {@code message} formatted, each key-value pair as a field of its own (lists as arrays,
     * numbers as numbers) and {@code stack_trace} with an exception.
     */
    static LogstashEncoder jsonEncoder() {
        LogstashEncoder json = new LogstashEncoder();
        json.setIncludeContext(false);
        json.getFieldNames().setVersion("[ignore]");
        json.getFieldNames().setLevelValue("[ignore]");
        return json;
    }

    /** Parses {@code log-level}: error, warn, info, debug or trace. */
    static Level parseLevel(String value) {
        Level level = Level.toLevel(value, null);
        if (level == null || level == Level.ALL || level == Level.OFF) {
            throw new IllegalArgumentException(
                    "log-level: '" + value + "' (expected: error, warn, info, debug or trace)");
        }
        return level;
    }

    /** Replaces the default configuration: {@code format} on stderr, the proxy's loggers at {@code level}. */
    static void apply(Format format, Level level, List<String> secrets) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        EncoderBase<ILoggingEvent> encoder;
        if (format == Format.JSON) {
            encoder = jsonEncoder();
        } else {
            PatternLayoutEncoder pattern = new PatternLayoutEncoder();
            pattern.setPattern(TEXT_PATTERN);
            encoder = pattern;
        }
        encoder.setContext(context);
        encoder.start();
        MaskingEncoder masked = new MaskingEncoder(encoder, secrets);
        masked.setContext(context);
        masked.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName("STDERR");
        appender.setTarget("System.err");
        appender.setEncoder(masked);
        appender.start();
        root.addAppender(appender);
        if (context.getTurboFilterList().stream().noneMatch(RepeatLimiter.class::isInstance)) {
            RepeatLimiter limiter = new RepeatLimiter();
            limiter.setContext(context);
            limiter.start();
            context.addTurboFilter(limiter);
        }
        setLevel(level);
    }

    /** The level of the project's own loggers now. */
    static Level ownLevel() {
        return ((LoggerContext) LoggerFactory.getILoggerFactory())
                .getLogger(OWN_LOGGERS)
                .getEffectiveLevel();
    }

    /** Sets the level of the proxy's own loggers (a reload); libraries stay at WARN. */
    static void setLevel(Level level) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.getLogger(OWN_LOGGERS).setLevel(level);
    }

    /** Replaces secrets in whatever another encoder produced, so no format can leak one. */
    static final class MaskingEncoder extends EncoderBase<ILoggingEvent> {
        private static final Pattern ASSIGNED_PASSWORD =
                Pattern.compile("(?i)((?:password|requirepass|masterauth)\\\\?\"?\\s*[=:]\\s*\\\\?\"?)[^\\s\",}\\\\]+");

        private final Encoder<ILoggingEvent> delegate;
        private final List<String> secrets;

        MaskingEncoder(Encoder<ILoggingEvent> delegate, List<String> secrets) {
            this.delegate = delegate;
            this.secrets = secrets.stream()
                    .filter(secret -> secret != null && !secret.isEmpty())
                    .toList();
        }

        @Override
        public byte[] headerBytes() {
            return delegate.headerBytes();
        }

        @Override
        public byte[] encode(ILoggingEvent event) {
            String line = new String(delegate.encode(event), StandardCharsets.UTF_8);
            for (String secret : secrets) {
                line = line.replace(secret, "***");
            }
            return ASSIGNED_PASSWORD.matcher(line).replaceAll("$1***").getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public byte[] footerBytes() {
            return delegate.footerBytes();
        }
    }
}

package org.redisfailover.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Marker;
import org.slf4j.helpers.MessageFormatter;

/**
 * Keeps a failure that repeats from flooding the log: a warning or error whose text (logger, formatted
 * message, exception class) was logged in the last minute is dropped, and the next one let through after
 * the minute says how many were dropped. A ZooKeeper ensemble that is down for an hour then costs a line
 * a minute, not the one-a-second stack traces of its client or a monitor's "cannot seed" every 200 ms.
 * Events of INFO and below pass untouched: they are events, not failures; so do the project's own warnings
 * unless marked {@link #REPEATS}.
 */
public final class RepeatLimiter extends TurboFilter {

    static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** The marker of the project's warnings logged on every attempt of a loop, which this filter limits. */
    public static final String REPEATS = "repeats";
    /** Distinct texts remembered; the least recently seen are forgotten first. */
    private static final int REMEMBERED = 512;
    /** Messages longer than this are compared on their beginning. */
    private static final int KEY_CHARS = 300;

    private static final class Window {
        final long startNanos;
        int dropped;

        Window(long startNanos) {
            this.startNanos = startNanos;
        }
    }

    private final Map<String, Window> windows = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Window> eldest) {
            return size() > REMEMBERED;
        }
    };
    private final ThreadLocal<Boolean> reporting = ThreadLocal.withInitial(() -> false);
    private final long windowNanos;

    public RepeatLimiter() {
        this(WINDOW_NANOS);
    }

    RepeatLimiter(long windowNanos) {
        this.windowNanos = windowNanos;
    }

    /**
     * The libraries' warnings (ZooKeeper's client, Curator, Netty), and the project's own that it marks
     * {@link #REPEATS} (a failure logged on every attempt of a loop). The project's other warnings are events
     * that may differ only in their key-value pairs, which this filter cannot see: they always pass.
     */
    private static boolean limited(Logger logger, Marker marker) {
        return !logger.getName().startsWith("org.redisfailover.") || (marker != null && marker.contains(REPEATS));
    }

    @Override
    public FilterReply decide(
            Marker marker, Logger logger, Level level, String format, Object[] params, Throwable error) {
        // The level check first: a logger's own check (isWarnEnabled) comes here with no format, and disabled events
        // count for nothing.
        if (level == null
                || format == null
                || !level.isGreaterOrEqual(Level.WARN)
                || !level.isGreaterOrEqual(logger.getEffectiveLevel())
                || reporting.get()
                || !limited(logger, marker)) {
            return FilterReply.NEUTRAL;
        }
        String text = MessageFormatter.arrayFormat(format, params).getMessage();
        String key = logger.getName()
                + '|'
                + (text.length() > KEY_CHARS ? text.substring(0, KEY_CHARS) : text)
                + (error == null ? "" : '|' + error.getClass().getName());
        long now = System.nanoTime();
        int dropped;
        synchronized (windows) {
            Window window = windows.get(key);
            if (window != null && now - window.startNanos < windowNanos) {
                window.dropped++;
                return FilterReply.DENY;
            }
            dropped = window == null ? 0 : window.dropped;
            windows.put(key, new Window(now));
        }
        if (dropped > 0) {
            reporting.set(true);
            try {
                logger.atLevel(org.slf4j.event.Level.valueOf(level.toString()))
                        .addKeyValue("event", "repeats_suppressed")
                        .addKeyValue("suppressed", dropped)
                        .log(
                                "the next line repeated {} more times in the last {} s; those were not logged",
                                dropped,
                                TimeUnit.NANOSECONDS.toSeconds(windowNanos));
            } finally {
                reporting.set(false);
            }
        }
        return FilterReply.NEUTRAL;
    }
}

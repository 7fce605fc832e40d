package org.redisfailover.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.MarkerFactory;

/** A failure that repeats costs a line per window, and the line after the window says how many were dropped. */
class RepeatLimiterTest {

    @Test
    void aRepeatedWarningIsLoggedOncePerWindowWithTheCountOfWhatWasDropped() throws Exception {
        LoggerContext context = new LoggerContext();
        RepeatLimiter limiter = new RepeatLimiter(TimeUnit.MILLISECONDS.toNanos(300));
        limiter.setContext(context);
        limiter.start();
        context.addTurboFilter(limiter);
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.setContext(context);
        seen.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.addAppender(seen);
        Logger logger = context.getLogger("org.redisfailover.monitor.Seeding");
        logger.setLevel(Level.INFO);
        Logger library = context.getLogger("org.apache.zookeeper.ClientCnxn");
        Marker repeats = MarkerFactory.getMarker(RepeatLimiter.REPEATS);

        for (int i = 0; i < 50; i++) {
            logger.warn(repeats, "cannot seed the topology: {} reachable masters among {}", 0, "[10.0.0.1:6379]");
            library.warn("Session 0x0 for server localhost/127.0.0.1:2181, Closing socket connection");
            logger.info("an event: {}", i);
        }
        assertEquals(2 + 50, seen.list.size(), "each repeated warning once, every info line: " + messages(seen));
        // The project's own warnings are events (they may differ only in key-value pairs, which the filter cannot see).
        logger.atWarn().addKeyValue("error", "read-policy: bad").log("configuration reload refused");
        logger.atWarn().addKeyValue("error", "databases: restart").log("configuration reload refused");
        assertEquals(54, seen.list.size(), "both refusals logged: " + messages(seen));

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() - deadline < 0 && seen.list.size() == 54) {
            Thread.sleep(50); // the window passing is what is tested: a clock, not a synchronisation
            logger.warn(repeats, "cannot seed the topology: {} reachable masters among {}", 0, "[10.0.0.1:6379]");
        }
        List<String> last = messages(seen).subList(54, seen.list.size());
        assertEquals(2, last.size(), String.valueOf(last));
        assertEquals(
                "the next line repeated 49 more times in the last 0 s; those were not logged",
                last.get(0).replaceAll("repeated \\d+", "repeated 49"));
        assertEquals("cannot seed the topology: 0 reachable masters among [10.0.0.1:6379]", last.get(1));
    }

    private static List<String> messages(ListAppender<ILoggingEvent> appender) {
        return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
}

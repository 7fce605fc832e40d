package org.redisfailover.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

class LogSetupTest {

    private final LoggerContext context = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();

    private String encode(EncoderBase<ch.qos.logback.classic.spi.ILoggingEvent> format, List<String> secrets, String message, Throwable error) {
        format.setContext(context);
        format.start();
        LogSetup.MaskingEncoder masked = new LogSetup.MaskingEncoder(format, secrets);
        LoggingEvent event = new LoggingEvent("test", context.getLogger("org.redisfailover.Test"), Level.WARN, message, error, null);
        event.addKeyValuePair(new KeyValuePair("epoch", 7));
        event.addKeyValuePair(new KeyValuePair("reason", "master lost"));
        return new String(masked.encode(event), StandardCharsets.UTF_8);
    }

    private static PatternLayoutEncoder text() {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setPattern(LogSetup.TEXT_PATTERN);
        return encoder;
    }

    @Test
    void textIsOneKeyValueLinePerEventEvenWithAnException() {
        String line = encode(text(), List.of(), "the \"old\" master", new IOException("connection reset\nby peer"));
        assertTrue(line.endsWith("\n"));
        assertEquals(1, line.strip().lines().count(), line);
        assertTrue(line.contains("level=WARN logger=Test"), line);
        assertTrue(line.contains("msg=\"the \\\"old\\\" master\""), line);
        assertTrue(line.contains("epoch=\"7\" reason=\"master lost\""), line);
        assertTrue(line.contains("java.io.IOException: connection reset by peer"), line);
    }

    @Test
    void secretsAreMaskedInTextAndJson() throws Exception {
        String secret = "s3cr3t-value";
        String text = encode(text(), List.of(secret), "AUTH failed with " + secret + "; requirepass=other-secret password: third", null);
        assertFalse(text.contains(secret), text);
        assertFalse(text.contains("other-secret"), text);
        assertFalse(text.contains("third"), text);
        assertTrue(text.contains("requirepass=***"), text);

        String json = encode(new JsonEncoder(), List.of(secret), "backend-password=" + secret, null);
        assertFalse(json.contains(secret), json);
        JsonNode parsed = new ObjectMapper().readTree(json);
        assertEquals("WARN", parsed.path("level").asText());
        assertTrue(parsed.path("message").asText().contains("***"), json);
    }

    @Test
    void levelsAndFormatsAreCheckedWithTheKeyNamed() {
        assertEquals(Level.DEBUG, LogSetup.parseLevel("debug"));
        IllegalArgumentException level = assertThrows(IllegalArgumentException.class, () -> LogSetup.parseLevel("loud"));
        assertTrue(level.getMessage().startsWith("log-level:"), level.getMessage());
        assertEquals(LogSetup.Format.JSON, LogSetup.Format.parse("JSON"));
        IllegalArgumentException format = assertThrows(IllegalArgumentException.class, () -> LogSetup.Format.parse("xml"));
        assertTrue(format.getMessage().startsWith("log-format:"), format.getMessage());
    }
}

package org.redisfailover.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

class LogSetupTest {

    private final LoggerContext context = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();

    private String encode(
            EncoderBase<ch.qos.logback.classic.spi.ILoggingEvent> format,
            List<String> secrets,
            String message,
            Throwable error) {
        return encode(format, secrets, message, error, null);
    }

    private String encode(
            EncoderBase<ch.qos.logback.classic.spi.ILoggingEvent> format,
            List<String> secrets,
            String message,
            Throwable error,
            Object[] arguments) {
        format.setContext(context);
        format.start();
        LogSetup.MaskingEncoder masked = new LogSetup.MaskingEncoder(format, secrets);
        LoggingEvent event = new LoggingEvent(
                "test", context.getLogger("org.redisfailover.Test"), Level.WARN, message, error, arguments);
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
        String text = encode(
                text(),
                List.of(secret),
                "AUTH failed with " + secret + "; requirepass=other-secret password: third",
                null);
        assertFalse(text.contains(secret), text);
        assertFalse(text.contains("other-secret"), text);
        assertFalse(text.contains("third"), text);
        assertTrue(text.contains("requirepass=***"), text);

        String json = encode(LogSetup.jsonEncoder(), List.of(secret), "backend-password=" + secret, null);
        assertFalse(json.contains(secret), json);
        JsonNode parsed = new ObjectMapper().readTree(json);
        assertEquals("WARN", parsed.path("level").asText());
        assertTrue(parsed.path("message").asText().contains("***"), json);
    }

    @Test
    void jsonHasTheFormattedMessageAnIsoTimeAndEachKeyValueAsAField() throws Exception {
        String line = encode(
                LogSetup.jsonEncoder(), List.of(), "topology epoch {} applied from {}", null, new Object[] {7, "zk"});
        assertEquals(1, line.strip().lines().count(), line);
        JsonNode json = new ObjectMapper().readTree(line);
        assertEquals("topology epoch 7 applied from zk", json.path("message").asText(), "formatted, not a template");
        OffsetDateTime.parse(json.path("@timestamp").asText()); // ISO-8601 with its offset, or this throws
        assertEquals(7, json.path("epoch").asInt(), "a key-value pair is a field of its own: " + line);
        assertTrue(json.path("epoch").isNumber(), line);
        assertEquals("master lost", json.path("reason").asText());
        assertEquals("WARN", json.path("level").asText());
        assertEquals("org.redisfailover.Test", json.path("logger_name").asText());
        assertTrue(
                json.path("kvpList").isMissingNode()
                        && json.path("arguments").isMissingNode()
                        && json.path("@version").isMissingNode(),
                line);

        String failed = encode(LogSetup.jsonEncoder(), List.of(), "cannot connect", new IOException("refused"));
        assertTrue(
                new ObjectMapper()
                        .readTree(failed)
                        .path("stack_trace")
                        .asText()
                        .startsWith("java.io.IOException: refused"),
                failed);
    }

    @Test
    void levelsAndFormatsAreCheckedWithTheKeyNamed() {
        assertEquals(Level.DEBUG, LogSetup.parseLevel("debug"));
        IllegalArgumentException level =
                assertThrows(IllegalArgumentException.class, () -> LogSetup.parseLevel("loud"));
        assertTrue(level.getMessage().startsWith("log-level:"), level.getMessage());
        assertEquals(LogSetup.Format.JSON, LogSetup.Format.parse("JSON"));
        IllegalArgumentException format =
                assertThrows(IllegalArgumentException.class, () -> LogSetup.Format.parse("xml"));
        assertTrue(format.getMessage().startsWith("log-format:"), format.getMessage());
    }
}

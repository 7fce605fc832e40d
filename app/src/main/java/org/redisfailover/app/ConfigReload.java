package org.redisfailover.app;

import ch.qos.logback.classic.Level;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.redisfailover.proxy.admin.AdminServer;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.server.ProxyServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A reload (SIGHUP or {@code POST /reload}): parses the command line and the {@code --config} file
 * again, exactly as at start-up, and puts the settings that can safely change under running clients in
 * force. Anything invalid, or a change to a setting that needs a restart, refuses the whole reload
 * with the key named, and the running configuration stays.
 */
final class ConfigReload implements AdminServer.Reloader {

    private static final Logger log = LoggerFactory.getLogger(ConfigReload.class);

    /** The settings a reload may change; every other one needs a restart. */
    static final Set<String> AT_RUN_TIME = Set.of(
            "read-policy",
            "connect-timeout-ms",
            "backend-timeout-ms",
            "partial-request-timeout-ms",
            "client-idle-timeout-s",
            "max-clients",
            "max-pipeline-per-client",
            "max-in-flight-per-backend",
            "client-output-limit-bytes",
            "client-output-budget-bytes",
            "pubsub-output-limit-bytes",
            "pubsub-output-soft-limit-bytes",
            "pubsub-output-soft-limit-s",
            "max-request-bytes",
            "max-bulk-length",
            "hold-timeout-ms",
            "hold-max-requests",
            "hold-max-bytes",
            "log-level",
            // The TLS port's files are re-read by every reload (a rotation keeps the paths); its address needs a
            // restart.
            "tls-cert-file",
            "tls-key-file",
            "tls-ca-cert-file",
            "tls-auth-clients",
            "tls-protocols",
            "tls-ciphers",
            // Re-read too; clients already authenticated stay so, as in Redis after CONFIG SET requirepass.
            "requirepass-file",
            "protected-mode");

    private final String[] args;
    private final ProxyServer server;
    private Map<String, Object> running;

    /** Whether the last reload was put in force (as Prometheus' own config_last_reload_successful); 1 before any. */
    private volatile boolean lastSucceeded = true;
    /** When the configuration in force was last read: at start, then at each reload that succeeded. */
    private volatile long lastSuccessMillis = System.currentTimeMillis();

    ConfigReload(String[] args, ProxyCommand started, ProxyServer server) {
        this.args = args.clone();
        this.server = server;
        this.running = values(started);
        server.metrics()
                .gauge(
                        "config_last_reload_successful",
                        "1 if the last reload (SIGHUP, POST /reload) was put in force, 0 if it was "
                                + "refused and the configuration before it runs on",
                        () -> lastSucceeded ? 1 : 0);
        server.metrics()
                .gauge(
                        "config_last_reload_success_timestamp_seconds",
                        "When the configuration in force was read: at start, " + "then at each reload that succeeded",
                        () -> lastSuccessMillis / 1000.0);
    }

    @Override
    public synchronized List<String> reload() {
        try {
            List<String> changed = apply();
            lastSucceeded = true;
            lastSuccessMillis = System.currentTimeMillis();
            log.atInfo()
                    .addKeyValue("event", "reload")
                    .addKeyValue("changed", changed)
                    .log("configuration reloaded");
            return changed;
        } catch (IllegalArgumentException refused) {
            lastSucceeded = false;
            log.atWarn()
                    .addKeyValue("event", "reload")
                    .addKeyValue("error", refused.getMessage())
                    .log("configuration reload refused; the running configuration stays");
            throw refused;
        }
    }

    private List<String> apply() {
        ProxyCommand next;
        try {
            CommandLine commandLine = RedisFailoverMain.commandLine(args);
            commandLine.parseArgs(args);
            next = commandLine.getSubcommands().get("proxy").getCommand();
        } catch (IOException e) {
            throw new IllegalArgumentException("config: cannot read the file: " + e.getMessage());
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        ProxyConfig config = next.buildConfig();
        Level level = next.logs.level(Level.INFO);
        Map<String, Object> values = values(next);
        List<String> changed = new ArrayList<>();
        List<String> needRestart = new ArrayList<>();
        values.forEach((key, value) -> {
            if (!Objects.equals(value, running.get(key))) {
                (AT_RUN_TIME.contains(key) ? changed : needRestart).add(key);
            }
        });
        if (!needRestart.isEmpty()) {
            throw new IllegalArgumentException(
                    String.join(", ", needRestart) + ": cannot change while the proxy runs (restart it); " + "only "
                            + new TreeSet<>(AT_RUN_TIME) + " reload");
        }
        server.reload(config);
        LogSetup.setLevel(level);
        running = values;
        return changed;
    }

    /** Every option's value by its key in the file (its long name without dashes). */
    private static Map<String, Object> values(ProxyCommand command) {
        Map<String, Object> values = new TreeMap<>();
        for (OptionSpec option : command.spec.options()) {
            if (!option.usageHelp() && !option.versionHelp()) {
                values.put(option.longestName().replaceFirst("^-+", ""), option.getValue());
            }
        }
        return values;
    }
}

package org.redisfailover.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.redisfailover.testing.FreePort;
import org.redisfailover.testing.Poll;
import org.redisfailover.testing.RawClient;
import org.redisfailover.testing.RedisProcess;

/**
 * The blocks of docs/DEPLOYMENT.md that can run on one machine, run as the guide gives them (with loopback
 * addresses, free ports and temporary directories put in): the ZooKeeper trial one-liner, the zoo.cfg with
 * its four-letter-word whitelist, the Redis ACL line with every command redis-failover sends, and the
 * properties file through --check-config. A guide whose commands stop working fails here.
 */
class DeploymentGuideIT {

    private static final String GUIDE = readGuide();

    @Test
    void theTrialZooKeeperOneLinerStartsAServer(@TempDir Path dir) throws Exception {
        String line = block("sh", "ZooKeeperServerMain").strip();
        int port = FreePort.next();
        String command = line.replace(
                        "/opt/redis-failover/redis-failover.jar",
                        ProxyProcess.jar().toAbsolutePath().toString())
                .replace(" 2181 ", " " + port + " ")
                .replace("/var/lib/zookeeper", dir.resolve("zk").toString());
        Process zooKeeper = new ProcessBuilder(List.of(command.split(" ")))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("zk.log").toFile())
                .start();
        try {
            Poll.until(Duration.ofSeconds(30), "the trial ZooKeeper to answer", () -> {
                String srvr = fourLetterWord(port, "srvr"); // the one word ZooKeeper runs without a whitelist
                return srvr != null && srvr.startsWith("Zookeeper version");
            });
        } finally {
            zooKeeper.destroyForcibly();
            zooKeeper.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theZooCfgRunsAndItsWhitelistLetsTheRunbooksFourLetterWordsThrough(@TempDir Path dir) throws Exception {
        int port = FreePort.next();
        List<String> standalone = new ArrayList<>();
        for (String line : block("properties", "4lw.commands.whitelist").split("\n")) {
            if (!line.startsWith("server.")) { // one server on loopback here, not the three hosts
                standalone.add(
                        line.replace("/var/lib/zookeeper", dir.resolve("data").toString())
                                .replace("clientPort=2181", "clientPort=" + port));
            }
        }
        Path config = Files.writeString(dir.resolve("zoo.cfg"), String.join("\n", standalone) + "\n");
        Process zooKeeper = new ProcessBuilder(
                        ProxyProcess.javaBinary(),
                        "-cp",
                        ProxyProcess.jar().toString(),
                        "org.apache.zookeeper.server.ZooKeeperServerMain",
                        config.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("zk.log").toFile())
                .start();
        try {
            // ruok says imok as soon as the port is open; srvr tells when the server serves.
            Poll.until(
                    Duration.ofSeconds(30),
                    "the server to serve",
                    () -> String.valueOf(fourLetterWord(port, "srvr")).contains("Mode: standalone"));
            assertEquals("imok", fourLetterWord(port, "ruok"), "ruok, which the runbook uses, is whitelisted");
            String mntr = fourLetterWord(port, "mntr");
            assertTrue(mntr != null && mntr.contains("zk_server_state"), mntr);
        } finally {
            zooKeeper.destroyForcibly();
            zooKeeper.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theAclLineAllowsEveryCommandRedisFailoverSends(@TempDir Path dir) throws Exception {
        Matcher acl =
                Pattern.compile("(?m)^\\s*(ACL SETUSER redis-failover .*)$").matcher(GUIDE);
        assertTrue(acl.find(), "the guide's ACL line");
        try (RedisProcess node = RedisProcess.start(dir, null);
                RawClient admin = new RawClient(node.port(), 5000)) {
            assertEquals("+OK", admin.call(acl.group(1).strip().split(" ")).strip());
            for (String[] command : List.of(
                    new String[] {"PING"},
                    new String[] {"INFO", "replication"},
                    new String[] {"SELECT", "0"},
                    new String[] {"HELLO", "3"},
                    new String[] {"PUBLISH", "c", "m"},
                    new String[] {"WAIT", "1", "0"},
                    new String[] {"REPLICAOF", "NO", "ONE"},
                    new String[] {"CLIENT", "PAUSE", "10", "WRITE"},
                    new String[] {"CLIENT", "UNPAUSE"},
                    new String[] {"CONFIG", "GET", "maxmemory"},
                    new String[] {"CONFIG", "SET", "maxmemory", "0"})) {
                List<String> dryRun = new ArrayList<>(List.of("ACL", "DRYRUN", "redis-failover"));
                dryRun.addAll(List.of(command));
                assertEquals("+OK", admin.call(dryRun.toArray(String[]::new)).strip(), String.join(" ", command));
            }
        }
    }

    @Test
    void thePropertiesFileChecksOut(@TempDir Path dir) throws Exception {
        String properties = block("properties", "backend-password-file");
        for (String secret : List.of("backend-password", "client-password", "admin-token")) {
            Path file = Files.writeString(dir.resolve(secret), "secret-" + secret + "\n");
            properties = properties.replace("/etc/redis-failover/" + secret, file.toString());
        }
        Path config = Files.writeString(
                dir.resolve("proxy.properties"),
                properties.replace("10.0.0.1:7379", "127.0.0.1:0").replace("10.0.0.1:9121", "127.0.0.1:0"));
        Process check = new ProcessBuilder(
                        ProxyProcess.javaBinary(),
                        "-jar",
                        ProxyProcess.jar().toString(),
                        "proxy",
                        "--config",
                        config.toString(),
                        "--check-config")
                .redirectErrorStream(true)
                .start();
        String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(check.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, check.exitValue(), output);
        assertTrue(output.contains("configuration OK"), output);
    }

    /** The first fenced block of {@code language} in the guide that contains {@code marker}. */
    private static String block(String language, String marker) {
        Matcher blocks = Pattern.compile("(?s)```" + language + "\\n(.*?)```").matcher(GUIDE);
        while (blocks.find()) {
            if (blocks.group(1).contains(marker)) {
                return blocks.group(1);
            }
        }
        throw new AssertionError("docs/DEPLOYMENT.md has no " + language + " block with " + marker);
    }

    /** ZooKeeper's answer to a four-letter word, or null when it does not answer. */
    private static String fourLetterWord(int port, String word) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write(word.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            return answer.isEmpty() ? null : answer.strip();
        } catch (IOException e) {
            return null;
        }
    }

    private static String readGuide() {
        try {
            return Files.readString(Path.of("../docs/DEPLOYMENT.md"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

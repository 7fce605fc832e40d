package org.redisfailover.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.redisfailover.protocol.tls.ThrowawayPki;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.config.ReadPolicy;
import picocli.CommandLine;

class RedisFailoverMainTest {

    @TempDir
    Path dir;

    /** Runs the CLI and returns its exit code and what it printed on stderr. */
    private record Run(int exitCode, String err) {}

    private static Run run(String... args) {
        PrintStream originalErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new Run(RedisFailoverMain.run(args), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(originalErr);
        }
    }

    private static ProxyConfig parse(CommandLine.IDefaultValueProvider defaults, String... args) {
        ProxyCommand command = new ProxyCommand();
        CommandLine commandLine = new CommandLine(command);
        if (defaults != null) {
            commandLine.setDefaultValueProvider(defaults);
        }
        commandLine.parseArgs(args);
        return command.buildConfig();
    }

    @Test
    void helpOnEveryCommandExitsZero() {
        assertEquals(0, run("--help").exitCode());
        assertEquals(0, run("proxy", "--help").exitCode());
        assertEquals(0, run("monitor", "--help").exitCode());
        assertEquals(0, run("demo", "--help").exitCode());
        assertEquals(0, run("status", "--help").exitCode());
        assertEquals(0, run("switchover", "--help").exitCode());
        assertEquals(0, run("--version").exitCode());
    }

    @Test
    void flagsBuildTheConfig() {
        ProxyConfig config = parse(
                null,
                "--listen",
                "127.0.0.1:7379",
                "--master",
                "127.0.0.1:6379",
                "--replica",
                "127.0.0.1:6380",
                "--replica",
                "127.0.0.1:6381",
                "--read-policy",
                "prefer-replica");
        assertEquals(new NodeAddress("127.0.0.1", 6379), config.master());
        assertEquals(
                List.of(new NodeAddress("127.0.0.1", 6380), new NodeAddress("127.0.0.1", 6381)), config.replicas());
        assertEquals(ReadPolicy.PREFER_REPLICA, config.readPolicy());
    }

    @Test
    void shippedConfigFileDocumentsEveryProxyOptionAndLoads() throws IOException {
        Path shipped = Path.of("../conf/proxy.properties");
        String text = Files.readString(shipped, StandardCharsets.UTF_8);
        for (CommandLine.Model.OptionSpec option :
                new CommandLine(new ProxyCommand()).getCommandSpec().options()) {
            String key = option.longestName().replaceFirst("^--", "");
            if (!List.of("config", "check-config", "help", "version").contains(key)) {
                assertTrue(
                        text.contains("\n" + key + " =") || text.contains("\n#" + key + " ="),
                        "conf/proxy.properties lacks " + key);
            }
        }
        ConfigFileDefaults defaults =
                ConfigFileDefaults.fromArgs(new String[] {"proxy", "--config", shipped.toString()});
        ProxyConfig config = parse(defaults, "--config", shipped.toString());
        assertEquals(ReadPolicy.MASTER, config.readPolicy());
    }

    @Test
    void configFileGivesDefaultsAndFlagsWin() throws IOException {
        Path file = dir.resolve("proxy.properties");
        Files.writeString(
                file,
                "master = 10.0.0.1:6379\nreplica = 10.0.0.2:6379,10.0.0.3:6379\nread-policy = replica\ndatabases = 4\n");
        ConfigFileDefaults defaults = ConfigFileDefaults.fromArgs(new String[] {"proxy", "--config", file.toString()});
        ProxyConfig config = parse(defaults, "--config", file.toString(), "--read-policy", "master");
        assertEquals(new NodeAddress("10.0.0.1", 6379), config.master());
        assertEquals(2, config.replicas().size());
        assertEquals(4, config.databases());
        assertEquals(ReadPolicy.MASTER, config.readPolicy(), "the flag wins over the file");
    }

    @Test
    void monitorNeedsZooKeeperAndRedisNodes() {
        Run run = run("monitor", "-r", "127.0.0.1:6379");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("--zk is required (or 'zk' in the --config file)"), run.err());
        Run proxyWithoutZk = run("proxy", "--master", "127.0.0.1:6379", "--redis", "127.0.0.1:6379");
        assertEquals(2, proxyWithoutZk.exitCode());
        assertTrue(proxyWithoutZk.err().contains("--redis runs a monitor, which needs --zk"), proxyWithoutZk.err());
    }

    @Test
    void unknownConfigKeyIsAnErrorNamingIt() throws IOException {
        Path file = dir.resolve("bad.properties");
        Files.writeString(file, "master = 127.0.0.1:6379\nread-polcy = replica\n");
        Run result = run("proxy", "--config", file.toString());
        assertEquals(2, result.exitCode());
        assertTrue(result.err().contains("unknown key(s) [read-polcy]"), result.err());
    }

    @Test
    void invalidValuesAreErrorsNamingTheKey() {
        IllegalArgumentException policy = assertThrows(
                IllegalArgumentException.class,
                () -> parse(null, "--master", "127.0.0.1:6379", "--read-policy", "nearest"));
        assertTrue(policy.getMessage().contains("read-policy: unknown read policy 'nearest'"), policy.getMessage());
        IllegalArgumentException master =
                assertThrows(IllegalArgumentException.class, () -> parse(null, "--master", "redis"));
        assertTrue(master.getMessage().startsWith("master: "), master.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> parse(null));
        assertTrue(missing.getMessage().contains("--master is required"), missing.getMessage());
        Run run = run("proxy", "--master", "127.0.0.1:6379", "--databases", "0");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("databases: 0 (expected: >= 1)"), run.err());
    }

    @Test
    void aConfigurationErrorIsItsMessageAndAPointerToHelpNotTheWholeUsage() {
        Run run = run("proxy", "--master", "127.0.0.1:6379", "--read-policy", "replicas");
        assertEquals(2, run.exitCode());
        assertTrue(
                run.err()
                        .startsWith(
                                "redis-failover: invalid configuration: read-policy: unknown read policy 'replicas'"),
                run.err());
        assertTrue(run.err().contains("(see 'redis-failover proxy --help')"), run.err());
        assertFalse(run.err().contains("Usage:"), run.err());
        assertTrue(run.err().lines().count() <= 3, run.err());

        Run typo = run("proxy", "--lisen", "127.0.0.1:1");
        assertEquals(2, typo.exitCode());
        assertTrue(
                typo.err().contains("Unknown options: '--lisen'") && typo.err().contains("--listen"),
                "suggests the option: " + typo.err());
        assertFalse(typo.err().contains("Usage:"), typo.err());
    }

    @Test
    void aListOfAddressesWithTheWrongSeparatorSaysSo() {
        Run run = run("proxy", "--master", "127.0.0.1:6379", "--replica", "127.0.0.1:16380;127.0.0.1:16381");
        assertEquals(2, run.exitCode());
        assertTrue(
                run.err()
                        .contains(
                                "replica: '127.0.0.1:16380;127.0.0.1:16381' is not one host:port (separate several with commas"),
                run.err());
        Run spaces = run(
                "proxy",
                "--zk",
                "127.0.0.1:1",
                "--redis",
                "127.0.0.1:16379 127.0.0.1:16380",
                "--listen",
                "127.0.0.1:0");
        assertEquals(2, spaces.exitCode());
        assertTrue(
                spaces.err().contains("redis: '127.0.0.1:16379 127.0.0.1:16380' is not one host:port"), spaces.err());
        assertFalse(spaces.err().contains("listening"), "checked before the port is bound: " + spaces.err());
    }

    @Test
    void aListenAddressInUseIsOneLineNamingTheOptionAndTheAddress() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String address = "127.0.0.1:" + taken.getLocalPort();
            Run run = run("proxy", "--master", "127.0.0.1:6379", "--listen", address);
            assertEquals(1, run.exitCode());
            assertTrue(
                    run.err()
                            .contains(
                                    "redis-failover: listen: cannot listen on " + address + ": Address already in use"),
                    run.err());
            assertFalse(run.err().contains("\tat "), "no stack trace: " + run.err());
        }
    }

    @Test
    void aKeySetTwiceOrACommentAfterAValueIsAnErrorNamingIt() throws IOException {
        Path twice = Files.writeString(
                dir.resolve("twice.properties"),
                "master = 127.0.0.1:6379\nread-policy = replica\nread-policy = master\n");
        Run duplicate = run("proxy", "--config", twice.toString(), "--check-config");
        assertEquals(2, duplicate.exitCode());
        assertTrue(duplicate.err().contains("key(s) [read-policy] set more than once"), duplicate.err());
        Path commented = Files.writeString(
                dir.resolve("commented.properties"), "master = 127.0.0.1:6379\nread-policy = replica # spread reads\n");
        Run comment = run("proxy", "--config", commented.toString(), "--check-config");
        assertEquals(2, comment.exitCode());
        assertTrue(comment.err().contains("read-policy: 'replica # spread reads' holds ' #'"), comment.err());
    }

    @Test
    void checkConfigValidatesWithoutStartingForEveryCommandThatRuns() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            // The listen port is in use: a check that started the proxy would fail on it.
            Path good = Files.writeString(
                    dir.resolve("good.properties"),
                    "listen = 127.0.0.1:" + taken.getLocalPort()
                            + "\nmaster = 127.0.0.1:6379\nzk = 127.0.0.1:1\nredis = 127.0.0.1:6379,127.0.0.1:6380\n");
            assertEquals(
                    0,
                    run("proxy", "--config", good.toString(), "--check-config").exitCode());
            assertEquals(
                    0,
                    run("monitor", "--config", good.toString(), "--check-config")
                            .exitCode(),
                    "the monitor reads the proxy's file");
        }
        Path bad = Files.writeString(dir.resolve("bad.properties"), "master = 127.0.0.1:6379\nread-policy = nearest\n");
        Run refused = run("proxy", "--config", bad.toString(), "--check-config");
        assertEquals(2, refused.exitCode());
        assertTrue(refused.err().contains("read-policy: unknown read policy 'nearest'"), refused.err());
        Run noRedis = run("monitor", "--zk", "127.0.0.1:1", "--check-config");
        assertEquals(2, noRedis.exitCode());
        assertTrue(noRedis.err().contains("--redis is required"), noRedis.err());
    }

    @Test
    void proxiesListeningOnAWildcardGoByHostNameInZooKeeper() throws Exception {
        // Two containers both listening on 0.0.0.0:7379 must not share proxies/{id} and monitors/{id}.
        String host = java.net.InetAddress.getLocalHost().getHostName();
        assertEquals(host + ":7379", ZooKeeperFollowing.memberId(new NodeAddress("0.0.0.0", 7379)));
        assertEquals(host + ":7379", ZooKeeperFollowing.memberId(new NodeAddress("::", 7379)));
        assertEquals("127.0.0.1:7379", ZooKeeperFollowing.memberId(new NodeAddress("127.0.0.1", 7379)));
    }

    @Test
    void theAdminTokenComesFromItsFileAndAnUnreadableOneStopsTheStart() throws IOException {
        Path token = dir.resolve("admin-token");
        Files.writeString(token, "abc123\n");
        ProxyCommand withToken = new ProxyCommand();
        new CommandLine(withToken).parseArgs("--master", "127.0.0.1:6379", "--admin-token-file", token.toString());
        assertTrue(withToken.adminOptions.access().requiresToken());
        ProxyCommand missing = new ProxyCommand();
        new CommandLine(missing)
                .parseArgs(
                        "--master",
                        "127.0.0.1:6379",
                        "--admin-token-file",
                        dir.resolve("nope").toString());
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, missing.adminOptions::access);
        assertTrue(refused.getMessage().startsWith("admin-token-file: cannot read"), refused.getMessage());
        Files.writeString(token, "two words\n");
        assertThrows(IllegalArgumentException.class, withToken.adminOptions::access);
    }

    @Test
    void theBackendPasswordCanComeFromAFileSoThatNoProcessListShowsIt() throws IOException {
        Path secret = dir.resolve("backend-password");
        Files.writeString(secret, "s3cret\n");
        ProxyConfig config = parse(null, "--master", "127.0.0.1:6379", "--backend-password-file", secret.toString());
        assertEquals("s3cret", config.backendPassword());
        ProxyConfig flagWins = parse(
                null,
                "--master",
                "127.0.0.1:6379",
                "--backend-password",
                "other",
                "--backend-password-file",
                secret.toString());
        assertEquals("other", flagWins.backendPassword());
        Files.writeString(secret, "\n");
        IllegalArgumentException empty = assertThrows(
                IllegalArgumentException.class,
                () -> parse(null, "--master", "127.0.0.1:6379", "--backend-password-file", secret.toString()));
        assertTrue(empty.getMessage().startsWith("backend-password-file: "), empty.getMessage());
    }

    @Test
    void tlsSettingsAreCheckedAtStartWithTheKeyNamed() throws IOException {
        ThrowawayPki pki = ThrowawayPki.generate(dir.resolve("pki"));
        Path cert = pki.serverCert;
        Path key = pki.serverKey;
        Path garbage = Files.writeString(dir.resolve("proxy.crt"), "x");
        IllegalArgumentException notPem = assertThrows(
                IllegalArgumentException.class,
                () -> parse(
                        null,
                        "--master",
                        "127.0.0.1:6379",
                        "--tls-listen",
                        "127.0.0.1:6380",
                        "--tls-cert-file",
                        garbage.toString(),
                        "--tls-key-file",
                        key.toString(),
                        "--tls-auth-clients",
                        "no"));
        assertTrue(
                notPem.getMessage().startsWith("tls-cert-file: " + garbage + " holds no PEM certificate"),
                notPem.getMessage());
        IllegalArgumentException mismatch = assertThrows(
                IllegalArgumentException.class,
                () -> parse(
                        null,
                        "--master",
                        "127.0.0.1:6379",
                        "--tls-listen",
                        "127.0.0.1:6380",
                        "--tls-cert-file",
                        cert.toString(),
                        "--tls-key-file",
                        pki.clientKey.toString(),
                        "--tls-auth-clients",
                        "no"));
        assertTrue(
                mismatch.getMessage()
                        .startsWith("tls-key-file: " + pki.clientKey + " is not the key of the certificate"),
                mismatch.getMessage());
        IllegalArgumentException noCa = assertThrows(
                IllegalArgumentException.class,
                () -> parse(
                        null,
                        "--master",
                        "127.0.0.1:6379",
                        "--tls-listen",
                        "127.0.0.1:6380",
                        "--tls-cert-file",
                        cert.toString(),
                        "--tls-key-file",
                        key.toString()));
        assertTrue(noCa.getMessage().startsWith("tls-auth-clients yes needs tls-ca-cert-file"), noCa.getMessage());
        ProxyConfig anonymousClients = parse(
                null,
                "--master",
                "127.0.0.1:6379",
                "--tls-listen",
                "127.0.0.1:6380",
                "--tls-cert-file",
                cert.toString(),
                "--tls-key-file",
                key.toString(),
                "--tls-auth-clients",
                "no");
        assertEquals(new NodeAddress("127.0.0.1", 6380), anonymousClients.tls().listen());
        IllegalArgumentException noListen = assertThrows(
                IllegalArgumentException.class,
                () -> parse(null, "--master", "127.0.0.1:6379", "--tls-cert-file", cert.toString()));
        assertTrue(noListen.getMessage().contains("need tls-listen"), noListen.getMessage());
        IllegalArgumentException missing = assertThrows(
                IllegalArgumentException.class,
                () -> parse(
                        null,
                        "--master",
                        "127.0.0.1:6379",
                        "--tls-listen",
                        "127.0.0.1:6380",
                        "--tls-cert-file",
                        dir.resolve("absent.crt").toString(),
                        "--tls-key-file",
                        key.toString(),
                        "--tls-auth-clients",
                        "no"));
        assertTrue(missing.getMessage().startsWith("tls-cert-file: cannot read"), missing.getMessage());
        IllegalArgumentException badMode = assertThrows(
                IllegalArgumentException.class,
                () -> parse(
                        null,
                        "--master",
                        "127.0.0.1:6379",
                        "--tls-listen",
                        "127.0.0.1:6380",
                        "--tls-cert-file",
                        cert.toString(),
                        "--tls-key-file",
                        key.toString(),
                        "--tls-auth-clients",
                        "sometimes"));
        assertTrue(badMode.getMessage().startsWith("tls-auth-clients: sometimes"), badMode.getMessage());
        IllegalArgumentException oldProtocol = assertThrows(
                IllegalArgumentException.class,
                () -> parse(
                        null,
                        "--master",
                        "127.0.0.1:6379",
                        "--tls-listen",
                        "127.0.0.1:6380",
                        "--tls-cert-file",
                        cert.toString(),
                        "--tls-key-file",
                        key.toString(),
                        "--tls-auth-clients",
                        "no",
                        "--tls-protocols",
                        "TLSv1"));
        assertTrue(oldProtocol.getMessage().startsWith("tls-protocols: TLSv1 "), oldProtocol.getMessage());
    }

    @Test
    void backendTlsIsOffUnlessAskedAndItsFilesNeedIt() throws IOException {
        assertEquals(null, parse(null, "--master", "127.0.0.1:6379").backendTls());
        Path ca = Files.writeString(dir.resolve("ca.crt"), "x");
        IllegalArgumentException filesWithoutTls = assertThrows(
                IllegalArgumentException.class,
                () -> parse(null, "--master", "127.0.0.1:6379", "--backend-tls-ca-cert-file", ca.toString()));
        assertTrue(filesWithoutTls.getMessage().contains("backend-tls is no"), filesWithoutTls.getMessage());
        ProxyConfig config = parse(
                null,
                "--master",
                "127.0.0.1:6379",
                "--backend-tls",
                "yes",
                "--backend-tls-ca-cert-file",
                ca.toString(),
                "--backend-tls-verify-hostname",
                "no");
        assertEquals(ca, config.backendTls().caCertFile());
        assertEquals(false, config.backendTls().verifyHostname());
        IllegalArgumentException certWithoutKey = assertThrows(
                IllegalArgumentException.class,
                () -> parse(
                        null,
                        "--master",
                        "127.0.0.1:6379",
                        "--backend-tls",
                        "yes",
                        "--backend-tls-cert-file",
                        ca.toString()));
        assertTrue(certWithoutKey.getMessage().contains("go together"), certWithoutKey.getMessage());
        IllegalArgumentException notYesNo = assertThrows(
                IllegalArgumentException.class,
                () -> parse(null, "--master", "127.0.0.1:6379", "--backend-tls", "true"));
        assertTrue(notYesNo.getMessage().startsWith("backend-tls: true (expected: yes or no)"), notYesNo.getMessage());
    }
}

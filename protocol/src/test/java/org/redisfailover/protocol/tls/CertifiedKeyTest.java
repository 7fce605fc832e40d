package org.redisfailover.protocol.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.ECPrivateKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys in every PEM form Redis reads, and the files an operator gets wrong, each refused with the option and file named. */
class CertifiedKeyTest {

    @TempDir
    static Path dir;

    static ThrowawayPki pki;

    @BeforeAll
    static void certificates() {
        pki = ThrowawayPki.generate(dir.resolve("pki"));
    }

    @Test
    void readsPkcs8AndSec1EcKeys() throws Exception {
        CertifiedKey pkcs8 = CertifiedKey.read("tls", pki.serverCert, pki.serverKey);
        Path sec1 = dir.resolve("sec1.key");
        openssl("ec", "-in", pki.serverKey.toString(), "-out", sec1.toString());
        assertTrue(Files.readString(sec1).startsWith("-----BEGIN EC PRIVATE KEY-----"), Files.readString(sec1));
        CertifiedKey fromSec1 = CertifiedKey.read("tls", pki.serverCert, sec1);
        assertEquals(((ECPrivateKey) pkcs8.key()).getS(), ((ECPrivateKey) fromSec1.key()).getS(), "the same key");
    }

    @Test
    void readsPkcs1RsaKeysAndTheWholeChain() throws Exception {
        Path cert = dir.resolve("rsa.crt");
        Path pkcs8 = dir.resolve("rsa8.key");
        Path pkcs1 = dir.resolve("rsa1.key");
        openssl(
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                pkcs8.toString(),
                "-out",
                cert.toString(),
                "-subj",
                "/CN=rsa",
                "-days",
                "2");
        openssl("rsa", "-in", pkcs8.toString(), "-traditional", "-out", pkcs1.toString());
        assertTrue(Files.readString(pkcs1).startsWith("-----BEGIN RSA PRIVATE KEY-----"), Files.readString(pkcs1));
        Path chain = dir.resolve("chain.crt");
        Files.writeString(chain, Files.readString(cert) + Files.readString(pki.caCert));
        CertifiedKey read = CertifiedKey.read("tls", chain, pkcs1);
        assertEquals("RSA", read.key().getAlgorithm());
        assertEquals(2, read.chain().length, "the CA certificate after the key's own");
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefusedNamingBothFiles() {
        IllegalArgumentException error = assertThrows(
                IllegalArgumentException.class, () -> CertifiedKey.read("tls", pki.serverCert, pki.strangerKey));
        assertTrue(
                error.getMessage()
                        .startsWith("tls-key-file: " + pki.strangerKey
                                + " is not the key of the certificate in tls-cert-file " + pki.serverCert),
                error.getMessage());
    }

    @Test
    void anRsaKeyForAnEcCertificateIsRefused() throws Exception {
        Path rsa = dir.resolve("other-rsa.key");
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", rsa.toString());
        IllegalArgumentException error =
                assertThrows(IllegalArgumentException.class, () -> CertifiedKey.read("admin-tls", pki.serverCert, rsa));
        assertTrue(error.getMessage().startsWith("admin-tls-key-file: " + rsa + " is not the key"), error.getMessage());
    }

    @Test
    void anEncryptedKeyIsRefusedNamingIt() throws Exception {
        Path encrypted = dir.resolve("encrypted.key");
        openssl(
                "pkcs8",
                "-topk8",
                "-in",
                pki.serverKey.toString(),
                "-out",
                encrypted.toString(),
                "-passout",
                "pass:secret");
        IllegalArgumentException error = assertThrows(
                IllegalArgumentException.class, () -> CertifiedKey.read("backend-tls", pki.serverCert, encrypted));
        assertTrue(
                error.getMessage().startsWith("backend-tls-key-file: " + encrypted + " is encrypted"),
                error.getMessage());
    }

    @Test
    void filesThatHoldNoCertificateOrKeyAreRefusedNamingTheOption() throws IOException {
        Path text = dir.resolve("hostname");
        Files.writeString(text, "not pem at all\n", StandardCharsets.UTF_8);
        IllegalArgumentException cert =
                assertThrows(IllegalArgumentException.class, () -> CertifiedKey.read("tls", text, pki.serverKey));
        assertTrue(
                cert.getMessage().startsWith("tls-cert-file: " + text + " holds no PEM certificate"),
                cert.getMessage());
        IllegalArgumentException key =
                assertThrows(IllegalArgumentException.class, () -> CertifiedKey.read("tls", pki.serverCert, text));
        assertTrue(
                key.getMessage().startsWith("tls-key-file: " + text + " holds no PEM private key"), key.getMessage());
        IllegalArgumentException swapped = assertThrows(
                IllegalArgumentException.class, () -> CertifiedKey.read("tls", pki.serverCert, pki.serverCert));
        assertTrue(
                swapped.getMessage().startsWith("tls-key-file: " + pki.serverCert + " holds no PEM private key"),
                swapped.getMessage());
        IllegalArgumentException missing = assertThrows(
                IllegalArgumentException.class,
                () -> CertifiedKey.read("tls", pki.serverCert, dir.resolve("none.key")));
        assertTrue(missing.getMessage().startsWith("tls-key-file: cannot read"), missing.getMessage());
    }

    private static void openssl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(
                process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0,
                "openssl " + command + ": " + output);
    }
}

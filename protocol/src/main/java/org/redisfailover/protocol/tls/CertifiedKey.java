package org.redisfailover.protocol.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * A PEM certificate chain and the private key that belongs to it, read and checked before anything uses
 * them, so a wrong file is refused at start or reload with the option and the file named, never found by
 * the first client's failed handshake. Keys are read as Redis reads them: PKCS#8 ({@code PRIVATE KEY}),
 * PKCS#1 ({@code RSA PRIVATE KEY}) and SEC1 ({@code EC PRIVATE KEY}); an encrypted key is refused, named.
 *
 * @param key   the private key
 * @param chain the certificate chain, the key's own certificate first
 */
public record CertifiedKey(PrivateKey key, X509Certificate[] chain) {

    /** Reads both files; {@code prefix} names the options ({@code tls} reads {@code tls-cert-file} and {@code tls-key-file}). */
    public static CertifiedKey read(String prefix, Path certFile, Path keyFile) {
        String certOption = prefix + "-cert-file";
        String keyOption = prefix + "-key-file";
        TlsFiles.requireReadable(certOption, certFile);
        TlsFiles.requireReadable(keyOption, keyFile);
        X509Certificate[] chain = certificates(certOption, certFile);
        PrivateKey key = privateKey(keyOption, keyFile);
        if (!belongTogether(key, chain[0].getPublicKey())) {
            throw new IllegalArgumentException(
                    keyOption + ": " + keyFile + " is not the key of the certificate in " + certOption + " " + certFile
                            + " (" + chain[0].getSubjectX500Principal().getName() + "): their public keys differ");
        }
        return new CertifiedKey(key, chain);
    }

    /** Every certificate in a PEM file, in order; throws naming the option unless there is at least one. */
    public static X509Certificate[] certificates(String option, Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            Collection<? extends java.security.cert.Certificate> read =
                    CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (read.isEmpty()) {
                throw new IllegalArgumentException(option + ": " + file + " holds no PEM certificate");
            }
            return read.stream().map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
        } catch (IOException | CertificateException | ClassCastException e) {
            throw new IllegalArgumentException(
                    option + ": " + file + " holds no PEM certificate (" + e.getMessage() + ")");
        }
    }

    private static PrivateKey privateKey(String option, Path file) {
        Object found;
        PrivateKey key;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
                PEMParser pem = new PEMParser(reader)) {
            found = pem.readObject();
            while (found
                    instanceof X9ECParameters) { // 'EC PARAMETERS' before the key, as openssl ecparam -genkey writes
                found = pem.readObject();
            }
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (found instanceof PrivateKeyInfo pkcs8) {
                key = converter.getPrivateKey(pkcs8);
            } else if (found instanceof PEMKeyPair pkcs1OrSec1) {
                key = converter.getKeyPair(pkcs1OrSec1).getPrivate();
            } else {
                key = null;
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(
                    option + ": " + file + " holds no readable PEM private key (" + e.getMessage() + ")");
        }
        if (found instanceof PKCS8EncryptedPrivateKeyInfo || found instanceof PEMEncryptedKeyPair) {
            throw new IllegalArgumentException(
                    option + ": " + file + " is encrypted; give the proxy the key unencrypted, "
                            + "readable by its user only (openssl pkey -in encrypted.key -out plain.key)");
        }
        if (key == null) {
            throw new IllegalArgumentException(option + ": " + file
                    + " holds no PEM private key (PRIVATE KEY, RSA PRIVATE KEY or " + "EC PRIVATE KEY)");
        }
        return key;
    }

    /** Whether {@code key} signs what {@code certified} verifies: the one test that holds for RSA, EC and EdDSA keys alike. */
    private static boolean belongTogether(PrivateKey key, PublicKey certified) {
        String algorithm =
                switch (key.getAlgorithm()) {
                    case "RSA" -> "SHA256withRSA";
                    case "EC", "ECDSA" -> "SHA256withECDSA";
                    case "DSA" -> "SHA256withDSA";
                    default -> key.getAlgorithm(); // Ed25519, Ed448, EdDSA
                };
        byte[] probe = "redis-failover: does this key belong to this certificate?".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certified);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // keys of different kinds (an EC key for an RSA certificate) do not belong together
        }
    }
}

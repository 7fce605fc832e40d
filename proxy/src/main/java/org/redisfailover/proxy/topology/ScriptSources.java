package org.redisfailover.proxy.topology;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cluster mode: the scripts clients loaded through the proxy ({@code SCRIPT LOAD}), by their SHA1, so that an
 * EVALSHA that meets a node without the script (a replica promoted since, a master new to the cluster: Redis does
 * not replicate its script cache) is answered by loading it there and running it again, rather than NOSCRIPT.
 * Bounded: the least recently loaded go first past {@value #MAX_SCRIPTS} scripts or {@value #MAX_BYTES} bytes.
 * Thread-safe.
 */
public final class ScriptSources {

    static final int MAX_SCRIPTS = 10_000;
    static final long MAX_BYTES = 64L * 1024 * 1024;

    private final Map<String, byte[]> bySha = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    /** Remembers {@code script}, as SCRIPT LOAD on a node would; returns its SHA1 in lower-case hex. */
    public synchronized String remember(byte[] script) {
        String sha = sha1(script);
        byte[] previous = bySha.put(sha, script);
        bytes += script.length - (previous == null ? 0 : previous.length);
        var oldest = bySha.entrySet().iterator();
        while ((bySha.size() > MAX_SCRIPTS || bytes > MAX_BYTES) && oldest.hasNext()) {
            bytes -= oldest.next().getValue().length;
            oldest.remove();
        }
        return sha;
    }

    /** The script whose SHA1 is {@code sha} (any case), or null when the proxy did not see it loaded. */
    public synchronized byte[] find(String sha) {
        return bySha.get(sha.toLowerCase(java.util.Locale.ROOT));
    }

    /** Every script remembered, least recently loaded first. */
    public synchronized List<byte[]> all() {
        return List.copyOf(bySha.values());
    }

    static String sha1(byte[] script) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(script));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

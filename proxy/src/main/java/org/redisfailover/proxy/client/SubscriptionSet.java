package org.redisfailover.proxy.client;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.redisfailover.protocol.resp.PubSubFrame;

/**
 * Channels, patterns and shard channels, as Redis' confirmations report them: what a client is subscribed to, or
 * what one of its links holds on a node. Names are kept as ISO-8859-1 strings, which keep every byte.
 */
final class SubscriptionSet {

    /** The families, in the order CLIENT INFO counts them: channels, patterns, shard channels. */
    static final List<String> FAMILIES = List.of("", "p", "s");

    private final Set<String> channels = new LinkedHashSet<>();
    private final Set<String> patterns = new LinkedHashSet<>();
    private final Set<String> shardChannels = new LinkedHashSet<>();

    /** The names of {@code family} ("" channels, "p" patterns, "s" shard channels), live. */
    Set<String> names(String family) {
        return switch (family) {
            case "" -> channels;
            case "p" -> patterns;
            case "s" -> shardChannels;
            default -> throw new IllegalArgumentException("no subscription family " + family);
        };
    }

    /** Records a confirmation; false when it changed nothing (a repeat, or an unsubscribe from nothing). */
    boolean apply(PubSubFrame frame) {
        if (frame.channel() == null) {
            return false;
        }
        String name = name(frame.channel());
        return frame.subscribes()
                ? names(frame.family()).add(name)
                : names(frame.family()).remove(name);
    }

    /**
     * The count a confirmation of {@code family} carries, as Redis counts it: channels and patterns together, shard
     * channels apart.
     */
    int countFor(String family) {
        return family.equals("s") ? shardChannels.size() : channels.size() + patterns.size();
    }

    boolean holds(String family, String name) {
        return names(family).contains(name);
    }

    boolean isEmpty() {
        return channels.isEmpty() && patterns.isEmpty() && shardChannels.isEmpty();
    }

    int[] countsByFamily() {
        return new int[] {channels.size(), patterns.size(), shardChannels.size()};
    }

    static String name(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    static byte[] bytes(String name) {
        return name.getBytes(StandardCharsets.ISO_8859_1);
    }
}

package org.redisfailover.proxy.config;

import java.time.Duration;

/**
 * How many reply bytes the proxy holds for clients that do not read them, as Redis bounds its client
 * output buffers ({@code client-output-buffer-limit}, {@code maxmemory-clients}).
 *
 * @param clientBytes     unsent bytes past which a client is closed
 * @param budgetBytes     all clients' unsent bytes together: past it the biggest holders are closed first
 *                        (0: half of the direct memory the JVM allows)
 * @param pubsubHardBytes a subscribed client is closed past this, as Redis' {@code pubsub} class (32 MiB)
 * @param pubsubSoftBytes ... or when it stays past this for {@code pubsubSoftTime} (8 MiB for 60 s); 0 for no soft limit
 * @param pubsubSoftTime  see above
 */
public record OutputLimits(
        long clientBytes, long budgetBytes, long pubsubHardBytes, long pubsubSoftBytes, Duration pubsubSoftTime) {

    public static final OutputLimits DEFAULT =
            new OutputLimits(512L << 20, 0, 32L << 20, 8L << 20, Duration.ofSeconds(60));

    public OutputLimits {
        require(clientBytes >= 1, "client-output-limit-bytes", clientBytes, ">= 1");
        require(budgetBytes >= 0, "client-output-budget-bytes", budgetBytes, ">= 0");
        require(pubsubHardBytes >= 1, "pubsub-output-limit-bytes", pubsubHardBytes, ">= 1");
        require(pubsubSoftBytes >= 0, "pubsub-output-soft-limit-bytes", pubsubSoftBytes, ">= 0");
        require(!pubsubSoftTime.isNegative(), "pubsub-output-soft-limit-s", pubsubSoftTime.toSeconds(), ">= 0");
    }

    public OutputLimits withClientBytes(long value) {
        return new OutputLimits(value, budgetBytes, pubsubHardBytes, pubsubSoftBytes, pubsubSoftTime);
    }

    public OutputLimits withBudgetBytes(long value) {
        return new OutputLimits(clientBytes, value, pubsubHardBytes, pubsubSoftBytes, pubsubSoftTime);
    }

    public OutputLimits withPubsub(long hardBytes, long softBytes, Duration softTime) {
        return new OutputLimits(clientBytes, budgetBytes, hardBytes, softBytes, softTime);
    }

    private static void require(boolean ok, String key, long value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException(key + ": " + value + " (expected: " + expected + ")");
        }
    }
}

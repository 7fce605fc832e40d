package org.redisfailover.protocol.topology;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A proxy's ephemeral {@code proxies/{id}} znode: what the leading monitor needs to know before it may
 * promote a new master.
 *
 * @param address        where clients reach the proxy
 * @param epoch          the topology epoch the proxy has applied everywhere (nothing in flight on a master it
 *                       stopped writing to): its acknowledgement of that epoch
 * @param fenced         whether it has stopped writing for want of a ZooKeeper confirmation
 * @param fenceTimeoutMs how long after the send time of its last answered ZooKeeper confirmation the proxy
 *                       still writes to the master: the leader waits this long after a new epoch for a proxy
 *                       that does not acknowledge it; null from a proxy that does not say (the leader then
 *                       waits for its acknowledgement or for its registration to expire)
 * @param minReplicaAcks its safe mode's N ({@code min-replica-acks}, 0: off); null from a proxy that does not say.
 *                       Every proxy and monitor of a group must run with the same one
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ProxyRegistration(
        String address, long epoch, boolean fenced, Long fenceTimeoutMs, Integer minReplicaAcks) {

    public byte[] encode() {
        return ZkJson.encode(this);
    }

    /** Parses a registration; throws {@link IllegalArgumentException} when it is not one. */
    public static ProxyRegistration decode(byte[] data) {
        return ZkJson.decode(data, ProxyRegistration.class, "a proxy registration");
    }
}

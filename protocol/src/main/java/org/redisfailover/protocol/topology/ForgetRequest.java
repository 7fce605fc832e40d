package org.redisfailover.protocol.topology;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * A request to give up on a replica lost for good, left by {@code redis-failover forget-replica} in
 * {@code {root}/forget-replica} (ephemeral: it goes away with the requester) for the leading monitor, the only
 * one that changes the topology and the sync set. The answer is a {@link SwitchEvent} of kind {@code forget}
 * with this id.
 *
 * @param id         the requester's unique id, echoed in the event that answers it
 * @param replica    the replica ({@code host:port})
 * @param acceptLoss the operator accepts losing the writes only that replica acknowledged (needed while safe mode's
 *                   failover waits for it)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ForgetRequest(String id, String replica, boolean acceptLoss) {

    public NodeAddress node() {
        return NodeAddress.parse(replica);
    }

    public byte[] encode() {
        return ZkJson.encode(this);
    }

    /** Parses a request; throws {@link IllegalArgumentException} when it is not one. */
    public static ForgetRequest decode(byte[] data) {
        ForgetRequest request = ZkJson.decode(data, ForgetRequest.class, "a forget-replica request");
        if (request.id() == null || request.replica() == null) {
            throw new IllegalArgumentException("forget-replica request without an id or a replica");
        }
        request.node(); // validates the address
        return request;
    }
}

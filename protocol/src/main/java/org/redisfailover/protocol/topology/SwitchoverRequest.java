package org.redisfailover.protocol.topology;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A request for a planned switchover, left by {@code redis-failover switchover} in
 * {@code {root}/switchover} (ephemeral: it goes away with the requester) for the leading monitor,
 * which is the only one that changes the topology. The answer is a {@link SwitchEvent} with this id.
 *
 * @param id the requester's unique id, echoed in the event that answers it
 * @param to the replica to promote, or null for the best one
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record SwitchoverRequest(String id, String to) {

    public NodeAddress target() {
        return to == null ? null : NodeAddress.parse(to);
    }

    public byte[] encode() {
        return ZkJson.encode(this);
    }

    /** Parses a request; throws {@link IllegalArgumentException} when it is not one. */
    public static SwitchoverRequest decode(byte[] data) {
        SwitchoverRequest request = ZkJson.decode(data, SwitchoverRequest.class, "a switchover request");
        if (request.id() == null) {
            throw new IllegalArgumentException("switchover request without an id");
        }
        request.target(); // validates the address
        return request;
    }
}

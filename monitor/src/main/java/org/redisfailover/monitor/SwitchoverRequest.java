package org.redisfailover.monitor;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.redisfailover.protocol.topology.NodeAddress;

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

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public NodeAddress target() {
        return to == null ? null : NodeAddress.parse(to);
    }

    public byte[] encode() {
        try {
            return MAPPER.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses a request; throws {@link IllegalArgumentException} when it is not one. */
    static SwitchoverRequest decode(byte[] data) {
        try {
            SwitchoverRequest request = MAPPER.readValue(data, SwitchoverRequest.class);
            if (request.id() == null) {
                throw new IllegalArgumentException("switchover request without an id");
            }
            request.target(); // validates the address
            return request;
        } catch (IOException e) {
            throw new IllegalArgumentException("switchover request is not JSON: " + e.getMessage());
        }
    }
}

package org.redisfailover.protocol.topology;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One monitor's ephemeral {@code monitors/{id}} znode.
 *
 * @param id    the monitor's id
 * @param down  the nodes it calls down ({@code host:port})
 * @param epoch the highest topology epoch it has seen: a floor should the topology znode be lost
 * @param minReplicaAcks the safe mode it promotes under ({@code min-replica-acks}, 0: off); null from a monitor that does
 *              not say
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MonitorView(String id, List<String> down, long epoch, Integer minReplicaAcks) {

    public MonitorView {
        down = down == null ? List.of() : List.copyOf(down);
    }

    public byte[] encode() {
        return ZkJson.encode(this);
    }

    /** Parses a view; throws {@link IllegalArgumentException} when it is not one. */
    public static MonitorView decode(byte[] data) {
        return ZkJson.decode(data, MonitorView.class, "a monitor view");
    }
}

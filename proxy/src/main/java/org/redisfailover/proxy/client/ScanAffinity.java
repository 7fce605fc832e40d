package org.redisfailover.proxy.client;

import org.redisfailover.protocol.resp.RedisRequest;
import org.redisfailover.protocol.topology.NodeAddress;
import org.redisfailover.proxy.errors.ProxyErrors;
import org.redisfailover.proxy.loop.RoutingSnapshot;

/**
 * Where a client's SCAN-family requests go. A cursor other than 0 continues an iteration that only the
 * node that returned it can continue (another node's hash tables differ: keys would be missed or
 * repeated). A client may interleave iterations, so all of them stay on one node while it is routed to
 * and healthy.
 */
final class ScanAffinity {

    /** Marks a cursor whose node is gone; never a real address (port 0 is never routed to). */
    static final NodeAddress ELSEWHERE = new NodeAddress("cursor-elsewhere", 0);

    private NodeAddress node;

    /**
     * The node {@code request} must go to, {@link #ELSEWHERE} for a continued iteration whose node is gone,
     * or null when a new node may be chosen.
     */
    NodeAddress nodeFor(RedisRequest request, RoutingSnapshot routing) {
        if (node == null) {
            return null;
        }
        if (routing.routes(node) && routing.health().isHealthy(node)) {
            return node;
        }
        int cursorArgument = request.argLength(0) == 4 ? 1 : 2; // SCAN cursor ... | HSCAN key cursor ...
        boolean newIteration = request.argc() <= cursorArgument || request.argEqualsIgnoreCase(cursorArgument, "0");
        return newIteration ? null : ELSEWHERE;
    }

    /** The client's iterations run on {@code target} from now on. */
    void runOn(NodeAddress target) {
        node = target;
    }

    String lostCursorError() {
        return ProxyErrors.cursorElsewhere(node);
    }
}

package org.redisfailover.app;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.redisfailover.proxy.admin.AdminServer;

/** The group view of a proxy whose ZooKeeper client is still connecting: empty until the real one is set. */
final class PendingGroupView implements AdminServer.GroupView {

    private final AtomicReference<AdminServer.GroupView> view;

    PendingGroupView(AtomicReference<AdminServer.GroupView> view) {
        this.view = view;
    }

    @Override
    public ObjectNode status() throws Exception {
        AdminServer.GroupView ready = view.get();
        return ready != null
                ? ready.status()
                : JsonNodeFactory.instance.objectNode().put("zookeeper", "connecting");
    }

    @Override
    public Object events() throws Exception {
        AdminServer.GroupView ready = view.get();
        return ready != null ? ready.events() : List.of();
    }
}

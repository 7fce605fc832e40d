package org.redisfailover.proxy.server;

import org.redisfailover.protocol.command.CommandClassifier;
import org.redisfailover.proxy.config.ProxyConfig;

/** What every client session shares across threads: all immutable or thread-safe. */
record ProxyShared(ProxyConfig config, CommandClassifier classifier, TopologyHolder topology, Transport transport,
        ReplicationOffsets offsets) {

    ProxyShared(ProxyConfig config, CommandClassifier classifier, TopologyHolder topology, Transport transport) {
        this(config, classifier, topology, transport, new ReplicationOffsets());
    }
}

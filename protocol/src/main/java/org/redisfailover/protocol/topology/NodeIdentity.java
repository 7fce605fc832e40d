package org.redisfailover.protocol.topology;

/**
 * Which Redis process a node is, and which replication history it carries.
 *
 * @param runId  {@code run_id} from {@code INFO server}: new at every start of the process
 * @param replid {@code master_replid} from {@code INFO replication}: a master keeps it while it is master
 *               and restarts without its data under a new one; null when not known
 */
public record NodeIdentity(String runId, String replid) {

    public NodeIdentity {
        if (runId == null || runId.isBlank()) {
            throw new IllegalArgumentException("a node identity needs a run id");
        }
    }
}

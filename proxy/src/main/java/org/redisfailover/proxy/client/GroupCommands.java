package org.redisfailover.proxy.client;

import java.util.function.BiConsumer;
import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.resp.RedisRequest;

/**
 * The commands the proxy applies to the whole group, by name: CONFIG, ACL, and SCRIPT or FUNCTION KILL. In front of
 * a cluster, CONFIG and ACL go to the nodes their tips name ({@code forward}), and the kills still go out on
 * connections of their own to every node.
 */
final class GroupCommands {

    private final GroupConfigCommand config;
    private final GroupAclCommand acl;
    private final ScriptKill kill;
    private final BiConsumer<RedisRequest, Route> forward;

    /** In front of a group. */
    GroupCommands(GroupConfigCommand config, GroupAclCommand acl, ScriptKill kill) {
        this(config, acl, kill, null);
    }

    /** In front of a cluster: CONFIG and ACL {@code forward}ed. */
    GroupCommands(ScriptKill kill, BiConsumer<RedisRequest, Route> forward) {
        this(null, null, kill, forward);
    }

    private GroupCommands(
            GroupConfigCommand config, GroupAclCommand acl, ScriptKill kill, BiConsumer<RedisRequest, Route> forward) {
        this.config = config;
        this.acl = acl;
        this.kill = kill;
        this.forward = forward;
    }

    /** Runs a command of the group routing class (ownership of {@code request} passes). */
    void run(RedisRequest request, Route route) {
        switch (request.name()) {
            case "config" ->
                (config != null ? (BiConsumer<RedisRequest, Route>) config::run : forward).accept(request, route);
            case "acl" -> (acl != null ? (BiConsumer<RedisRequest, Route>) acl::run : forward).accept(request, route);
            default -> kill.run(request, route); // SCRIPT KILL, FUNCTION KILL
        }
    }
}

package org.redisfailover.proxy.client;

import org.redisfailover.protocol.command.Route;
import org.redisfailover.protocol.resp.RedisRequest;

/** The commands the proxy applies to the whole group, by name: CONFIG, ACL, and SCRIPT or FUNCTION KILL. */
final class GroupCommands {

    private final GroupConfigCommand config;
    private final GroupAclCommand acl;
    private final ScriptKill kill;

    GroupCommands(GroupConfigCommand config, GroupAclCommand acl, ScriptKill kill) {
        this.config = config;
        this.acl = acl;
        this.kill = kill;
    }

    /** Runs a command of the group routing class (ownership of {@code request} passes). */
    void run(RedisRequest request, Route route) {
        switch (request.name()) {
            case "config" -> config.run(request, route);
            case "acl" -> acl.run(request, route);
            default -> kill.run(request, route); // SCRIPT KILL, FUNCTION KILL
        }
    }
}

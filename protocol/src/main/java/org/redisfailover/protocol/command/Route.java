package org.redisfailover.protocol.command;

/**
 * The routing decision for one command: its class, the command's display name (upper case, with the
 * subcommand, as Redis prints names in errors) and, for refused commands, the reason from the policy.
 */
public record Route(RoutingClass routingClass, String displayName, String reason) {

    public boolean isRefused() {
        return routingClass == RoutingClass.DENY;
    }
}

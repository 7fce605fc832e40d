package org.redisfailover.protocol.command;

/**
 * The routing decision for one command: its class, the command's display name (upper case, with the
 * subcommand, as Redis prints names in errors), for refused commands the reason from the policy, and
 * whether it may change data ({@code write} or {@code may_replicate} in Redis' flags, transactions,
 * scripts and functions not flagged read-only, and commands Redis' table does not know): what the
 * read-your-writes policy counts as a write; and whether an error reply proves that it changed nothing
 * ({@code errorsWriteNothing}): Redis runs a command whole or refuses it whole, but a script or function may
 * fail after writing (Redis does not roll back), and of a command its table does not know nothing is known.
 */
public record Route(
        RoutingClass routingClass, String displayName, String reason, boolean mayWrite, boolean errorsWriteNothing) {}

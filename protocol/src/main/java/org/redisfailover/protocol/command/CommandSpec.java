package org.redisfailover.protocol.command;

import java.util.Map;
import java.util.Set;

/**
 * One command (or subcommand, named {@code container|sub}) as Redis describes it in {@code COMMAND}
 * and {@code COMMAND DOCS}.
 *
 * @param arity       Redis' arity: exact argument count when positive, minimum when negative
 * @param subcommands by lower-case subcommand name (without the container prefix)
 */
public record CommandSpec(
        String name,
        int arity,
        Set<String> flags,
        Set<String> aclCategories,
        String group,
        String since,
        Set<String> docFlags,
        Map<String, CommandSpec> subcommands) {

    public boolean hasFlag(String flag) {
        return flags.contains(flag);
    }

    public boolean inCategory(String category) {
        return aclCategories.contains(category);
    }
}

package org.redisfailover.protocol.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AclRulesTest {

    @Test
    void usersAreReadFromAclListWithSelectorsWhole() {
        Map<String, String> users = AclRules.parse(List.of(
                "user alice on #1ec1 ~app:* resetchannels -@all +get (~sel:* +hget) (%R~ro:* +@read)",
                "user default on nopass sanitize-payload ~* &* +@all", "not a user line"));
        assertEquals(List.of("alice", "default"), List.copyOf(users.keySet()));
        assertEquals(
                List.of(
                        "ACL",
                        "SETUSER",
                        "alice",
                        "resetpass",
                        "resetkeys",
                        "resetchannels",
                        "clearselectors",
                        "off",
                        "-@all",
                        "on",
                        "#1ec1",
                        "~app:*",
                        "resetchannels",
                        "-@all",
                        "+get",
                        "(~sel:* +hget)",
                        "(%R~ro:* +@read)"),
                AclRules.setUser("alice", users.get("alice")));
    }

    @Test
    void aDeletedUserIsRememberedUntilSetAgain() {
        GroupConfig config = GroupConfig.EMPTY
                .with(List.of("hz", "20"))
                .withUsers(Map.of("alice", "on nopass"), Set.of())
                .withUsers(Map.of(), Set.of("alice"));
        assertEquals(Map.of(), config.users());
        assertEquals(Set.of("alice"), config.deletedUsers());
        assertEquals(Map.of("hz", "20"), config.parameters());
        GroupConfig again = GroupConfig.decode(
                config.withUsers(Map.of("alice", "on #ab"), Set.of()).encode());
        assertEquals(Map.of("alice", "on #ab"), again.users());
        assertEquals(Set.of(), again.deletedUsers());
        assertEquals(GroupConfig.EMPTY, GroupConfig.decode("{\"parameters\":{}}".getBytes()));
    }
}

package org.redisfailover.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.junit.jupiter.api.Test;
import org.redisfailover.protocol.topology.ZkLayout;

class ZkAccessTest {

    private static final ZkLayout LAYOUT = new ZkLayout("/group");

    private static Map<String, Integer> permissionsByUser(List<ACL> acls) {
        return acls.stream().collect(Collectors.toMap(acl -> acl.getId().getId().split(":")[0], ACL::getPerms));
    }

    @Test
    void monitorsWriteTheTopologyProxiesTheirRegistrationsAndReadersRead() {
        ACLProvider provider = ZkAccess.parse("test", "monitor monitor:m\nproxy proxy:p;reader digest:reader:hash")
                .aclProvider(LAYOUT);
        Map<String, Integer> topology = permissionsByUser(provider.getAclForPath(LAYOUT.topology()));
        assertEquals(ZooDefs.Perms.ALL, topology.get("monitor"));
        assertEquals(ZooDefs.Perms.READ, topology.get("proxy"));
        assertEquals(ZooDefs.Perms.READ, topology.get("reader"));
        for (String proxyPath : List.of(LAYOUT.proxies(), LAYOUT.proxy("p1"), LAYOUT.config())) {
            Map<String, Integer> acl = permissionsByUser(provider.getAclForPath(proxyPath));
            assertEquals(ZooDefs.Perms.ALL, acl.get("proxy"), proxyPath);
            assertEquals(ZooDefs.Perms.READ, acl.get("monitor"), proxyPath);
        }
        assertEquals(
                ZooDefs.Perms.ALL,
                permissionsByUser(provider.getAclForPath(LAYOUT.events() + "/e-1"))
                        .get("monitor"));
        Map<String, Integer> syncSet = permissionsByUser(provider.getAclForPath(LAYOUT.syncSet()));
        assertEquals(ZooDefs.Perms.ALL, syncSet.get("monitor"), "only monitors change safe mode's sync set");
        assertEquals(ZooDefs.Perms.READ, syncSet.get("proxy"));
        Map<String, Integer> root = permissionsByUser(provider.getAclForPath("/group"));
        assertEquals(
                ZooDefs.Perms.READ | ZooDefs.Perms.CREATE,
                root.get("proxy"),
                "proxies may create under the root, not delete");
        assertEquals(root, permissionsByUser(provider.getAclForPath("/")));
        assertTrue(
                provider.getAclForPath(LAYOUT.topology()).stream()
                        .noneMatch(acl -> acl.getId().getScheme().equals("world")),
                "nothing is open to the world");
    }

    @Test
    void aBareUserPasswordIsOneCredentialForEveryRole() {
        ACLProvider provider = ZkAccess.parse("test", "ops:s3cret\n").aclProvider(LAYOUT);
        for (String path : List.of(LAYOUT.topology(), LAYOUT.proxy("p1"), "/group")) {
            List<ACL> acls = provider.getAclForPath(path);
            assertTrue(acls.stream().allMatch(acl -> acl.getId().getId().startsWith("ops:")), path + ": " + acls);
            assertTrue(acls.stream().anyMatch(acl -> acl.getPerms() == ZooDefs.Perms.ALL), path + ": " + acls);
        }
    }

    @Test
    void mistakesAreErrorsNamingTheSourceAndLine() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ZkAccess.parse("f", "monitor monitor:m"))
                .getMessage()
                .contains("no identity for the proxy role"));
        assertTrue(assertThrows(
                        IllegalArgumentException.class,
                        () -> ZkAccess.parse("f", "monitor digest:m:h\nproxy digest:p:h"))
                .getMessage()
                .contains("no credential"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ZkAccess.parse("f", "admin admin:a"))
                .getMessage()
                .startsWith("f: line 1: unknown role 'admin'"));
        assertTrue(assertThrows(
                        IllegalArgumentException.class, () -> ZkAccess.parse("f", "# c\nmonitor nopassword\nproxy p:p"))
                .getMessage()
                .startsWith("f: line 2: expected user:secret"));
        assertTrue(ZkAccess.OPEN.isOpen());
    }
}

package org.redisfailover.app;

import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.curator.framework.AuthInfo;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.redisfailover.protocol.topology.ZkLayout;

/**
 * Who may do what in the group's ZooKeeper tree, by role, with ZooKeeper's digest scheme: monitors write
 * the topology, events, views, the leader latch and switchover requests; proxies write their
 * registrations and the CONFIG SET record; the reader role (and the others) may read; a client without
 * credentials may do nothing at all. Every znode the project creates gets these ACLs through Curator's
 * {@link ACLProvider}, parents included.
 *
 * <p>The source (a file, or an environment variable) is either one bare {@code user:password} (one
 * credential every process logs in with: everyone with it may do everything, everyone else nothing), or
 * one {@code <role> <value>} per line: a
 * {@code user:password} is a credential this process logs in with (and that role's identity); a
 * {@code digest:user:hash} is only the identity of a role this process does not play, for the ACLs it
 * sets (the hash as ZooKeeper's DigestAuthenticationProvider prints it). A proxy with a co-located monitor
 * logs in as both.
 */
final class ZkAccess {

    enum Role {
        MONITOR,
        PROXY,
        READER
    }

    /** No credentials and ZooKeeper's open ACL: as before there were roles. */
    static final ZkAccess OPEN = new ZkAccess(List.of(), Map.of(), null);

    private final List<AuthInfo> credentials;
    private final Map<Role, Id> identities;
    /** TLS to ZooKeeper's secure client port, or null for plain TCP. */
    private final ZKClientConfig tls;

    private ZkAccess(List<AuthInfo> credentials, Map<Role, Id> identities, ZKClientConfig tls) {
        this.credentials = credentials;
        this.identities = identities;
        this.tls = tls;
    }

    /** The same credentials, over TLS ({@link ZkTls}). */
    ZkAccess withTls(ZKClientConfig clientConfig) {
        return new ZkAccess(credentials, identities, clientConfig);
    }

    /** Parses the role lines of {@code source} (a key for the errors). */
    static ZkAccess parse(String source, String text) {
        List<AuthInfo> credentials = new ArrayList<>();
        Map<Role, Id> identities = new EnumMap<>(Role.class);
        Id shared = null;
        int number = 0;
        for (String raw : text.split("[\\r\\n;]+")) {
            number++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+");
            if (parts.length == 1 && !parts[0].startsWith("digest:") && parts[0].indexOf(':') > 0) {
                // A bare user:password: one credential for the whole deployment, every role's identity.
                requireUserColon(source, number, parts[0]);
                credentials.add(new AuthInfo("digest", parts[0].getBytes(StandardCharsets.UTF_8)));
                shared = new Id("digest", digest(parts[0]));
                continue;
            }
            Role role = role(source, number, parts[0]);
            if (parts.length != 2) {
                throw new IllegalArgumentException(
                        source + ": line " + number + ": expected '<role> user:password' or '<role> digest:user:hash'");
            }
            String value = parts[1];
            if (value.startsWith("digest:")) {
                identities.put(
                        role, new Id("digest", requireUserColon(source, number, value.substring("digest:".length()))));
            } else {
                requireUserColon(source, number, value);
                credentials.add(new AuthInfo("digest", value.getBytes(StandardCharsets.UTF_8)));
                identities.put(role, new Id("digest", digest(value)));
            }
        }
        if (shared != null) {
            for (Role role : Role.values()) {
                identities.putIfAbsent(role, shared);
            }
        }
        if (credentials.isEmpty()) {
            throw new IllegalArgumentException(
                    source + ": no credential (a '<role> user:password' line) to log in with");
        }
        for (Role needed : List.of(Role.MONITOR, Role.PROXY)) {
            if (!identities.containsKey(needed)) {
                throw new IllegalArgumentException(source + ": no identity for the "
                        + needed.name().toLowerCase(Locale.ROOT) + " role (a line '"
                        + needed.name().toLowerCase(Locale.ROOT) + " user:password' or '... digest:user:hash')");
            }
        }
        return new ZkAccess(List.copyOf(credentials), identities, null);
    }

    boolean isOpen() {
        return credentials.isEmpty();
    }

    /** Logs the client in with this process' credentials (over TLS when set) and has it set the roles' ACLs on what it creates. */
    CuratorFrameworkFactory.Builder applyTo(CuratorFrameworkFactory.Builder builder, ZkLayout layout) {
        if (tls != null) {
            builder.zkClientConfig(tls);
        }
        if (isOpen()) {
            return builder;
        }
        return builder.authorization(credentials).aclProvider(aclProvider(layout));
    }

    /** The ACLs of each znode of the layout, and of its parents. */
    ACLProvider aclProvider(ZkLayout layout) {
        List<ACL> readers = identities.containsKey(Role.READER)
                ? List.of(new ACL(ZooDefs.Perms.READ, identities.get(Role.READER)))
                : List.of();
        List<ACL> monitorsWrite = acls(
                readers,
                new ACL(ZooDefs.Perms.ALL, identities.get(Role.MONITOR)),
                new ACL(ZooDefs.Perms.READ, identities.get(Role.PROXY)));
        List<ACL> proxiesWrite = acls(
                readers,
                new ACL(ZooDefs.Perms.ALL, identities.get(Role.PROXY)),
                new ACL(ZooDefs.Perms.READ, identities.get(Role.MONITOR)));
        // The root and its parents: proxies create the topology when they seed it, their registrations'
        // parent and the CONFIG SET record under it; only monitors may delete or change them.
        List<ACL> root = acls(
                readers,
                new ACL(ZooDefs.Perms.ALL, identities.get(Role.MONITOR)),
                new ACL(ZooDefs.Perms.READ | ZooDefs.Perms.CREATE, identities.get(Role.PROXY)));
        return new ACLProvider() {
            @Override
            public List<ACL> getDefaultAcl() {
                return root;
            }

            @Override
            public List<ACL> getAclForPath(String path) {
                if (path.equals(layout.proxies())
                        || path.startsWith(layout.proxies() + "/")
                        || path.equals(layout.config())) {
                    return proxiesWrite;
                }
                if (path.startsWith(layout.root() + "/")) {
                    return monitorsWrite;
                }
                return root;
            }
        };
    }

    private static List<ACL> acls(List<ACL> readers, ACL... acls) {
        List<ACL> all = new ArrayList<>(List.of(acls));
        all.addAll(readers);
        // Not List.copyOf: ZooKeeper checks an ACL list with contains(null), which List.copyOf's lists throw on.
        return Collections.unmodifiableList(all);
    }

    private static Role role(String source, int number, String name) {
        try {
            return Role.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    source + ": line " + number + ": unknown role '" + name + "' (expected: monitor, proxy or reader)");
        }
    }

    private static String requireUserColon(String source, int number, String value) {
        int colon = value.indexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new IllegalArgumentException(
                    source + ": line " + number + ": expected user:secret, got something without both parts");
        }
        return value;
    }

    private static String digest(String userPassword) {
        try {
            return DigestAuthenticationProvider.generateDigest(userPassword);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM", e);
        }
    }
}

package org.redisfailover.protocol.build;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.jar.Attributes;
import java.util.jar.Manifest;

/**
 * The running build, from the packaged jar's manifest: built from a release tag ({@code v1.2.0}) it is that
 * version; otherwise the project's version with the nearest tag, the commits since and the commit
 * ({@code 0.1.0-SNAPSHOT (v1.2.0-3-gabc1234-dirty)}). Run from classes (an IDE, the tests) it is a
 * development build.
 *
 * @param version  what {@code --version}, the start-up log line and {@code build_info} show
 * @param revision the git commit, or {@code unknown}
 */
public record BuildVersion(String version, String revision) {

    private static final BuildVersion CURRENT = read();

    public static BuildVersion current() {
        return CURRENT;
    }

    private static BuildVersion read() {
        Attributes manifest = manifest();
        if (manifest == null || manifest.getValue("Implementation-Version") == null) {
            return new BuildVersion("development build", "unknown");
        }
        return from(
                manifest.getValue("Implementation-Version"),
                manifest.getValue("Build-Describe"),
                manifest.getValue("Build-Revision"));
    }

    /** The version from the project's, git describe's (null or unexpanded without git) and the commit. */
    static BuildVersion from(String projectVersion, String describe, String revision) {
        boolean known = describe != null && !describe.isBlank() && !describe.startsWith("${");
        String commit = revision == null || revision.isBlank() || revision.startsWith("${") ? "unknown" : revision;
        if (known
                && describe.matches("v\\d+\\.\\d+\\.\\d+([-.][0-9A-Za-z.]+)?")
                && !describe.matches(".*-\\d+-g[0-9a-f]+(-dirty)?")
                && !describe.endsWith("-dirty")) {
            return new BuildVersion(describe.substring(1), commit); // exactly a release tag
        }
        return new BuildVersion(known ? projectVersion + " (" + describe + ")" : projectVersion, commit);
    }

    /** The manifest of the jar this class was loaded from, or null when it was not loaded from a jar. */
    private static Attributes manifest() {
        URL self = BuildVersion.class.getResource(BuildVersion.class.getSimpleName() + ".class");
        if (self == null || !"jar".equals(self.getProtocol())) {
            return null;
        }
        String jar = self.toString().substring(0, self.toString().indexOf("!/") + 2);
        try (InputStream in = new URL(jar + "META-INF/MANIFEST.MF").openStream()) {
            return new Manifest(in).getMainAttributes();
        } catch (IOException e) {
            return null;
        }
    }
}

package org.redisfailover.app;

import org.redisfailover.protocol.build.BuildVersion;
import picocli.CommandLine;

/** The running build's version and commit ({@link BuildVersion}). */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        BuildVersion build = BuildVersion.current();
        return new String[] {"redis-failover " + build.version() + ", commit " + build.revision()};
    }
}

package org.redisfailover.protocol.build;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class BuildVersionTest {

    @Test
    void aReleaseTagIsTheVersionAndAnythingElseSaysWhereItCameFrom() {
        assertEquals(new BuildVersion("1.2.0", "abc1234"), BuildVersion.from("1.2.0-SNAPSHOT", "v1.2.0", "abc1234"));
        assertEquals(
                new BuildVersion("1.3.0-rc.1", "abc1234"),
                BuildVersion.from("1.3.0-SNAPSHOT", "v1.3.0-rc.1", "abc1234"));
        assertEquals(
                new BuildVersion("1.3.0-SNAPSHOT (v1.2.0-3-gabc1234)", "abc1234"),
                BuildVersion.from("1.3.0-SNAPSHOT", "v1.2.0-3-gabc1234", "abc1234"));
        assertEquals(
                new BuildVersion("1.2.0-SNAPSHOT (v1.2.0-dirty)", "abc1234"),
                BuildVersion.from("1.2.0-SNAPSHOT", "v1.2.0-dirty", "abc1234"));
        assertEquals(
                new BuildVersion("0.1.0-SNAPSHOT (abc1234)", "abc1234"),
                BuildVersion.from("0.1.0-SNAPSHOT", "abc1234", "abc1234"));
        assertEquals(
                new BuildVersion("0.1.0-SNAPSHOT", "unknown"),
                BuildVersion.from("0.1.0-SNAPSHOT", "${git.commit.id.describe}", "${git.commit.id.abbrev}"),
                "built without .git");
    }
}

package org.redisfailover.proxy.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ScriptSourcesTest {

    @Test
    void aScriptIsFoundByTheSha1RedisGivesIt() {
        ScriptSources scripts = new ScriptSources();
        byte[] script = "return 1".getBytes(StandardCharsets.UTF_8);
        // SCRIPT LOAD "return 1" on Redis 7.0 answers e0e1f9fabfc9d4800c877a703b823ac0578ff8db.
        assertEquals("e0e1f9fabfc9d4800c877a703b823ac0578ff8db", scripts.remember(script));
        assertArrayEquals(script, scripts.find("E0E1F9FABFC9D4800C877A703B823AC0578FF8DB"));
        assertNull(scripts.find("0000000000000000000000000000000000000000"));
    }

    @Test
    void theLeastRecentlyLoadedGoFirstPastTheBound() {
        ScriptSources scripts = new ScriptSources();
        String first = scripts.remember("return 'first'".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < ScriptSources.MAX_SCRIPTS; i++) {
            scripts.remember(("return " + i).getBytes(StandardCharsets.UTF_8));
        }
        assertNull(scripts.find(first), "the oldest went once the bound was passed");
        assertNotNull(scripts.find(
                ScriptSources.sha1(("return " + (ScriptSources.MAX_SCRIPTS - 1)).getBytes(StandardCharsets.UTF_8))));
        byte[] large = new byte[(int) ScriptSources.MAX_BYTES];
        scripts.remember(large);
        assertNull(
                scripts.find(ScriptSources.sha1("return 0".getBytes(StandardCharsets.UTF_8))),
                "bytes bound the cache too");
    }
}

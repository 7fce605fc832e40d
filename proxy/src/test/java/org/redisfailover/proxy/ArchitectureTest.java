package org.redisfailover.proxy;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The proxy module's packages by scope, arrows pointing down only: a package may use the packages on the levels
 * below its own, never one on its level or above. A new upward import, or a cycle, fails the build here.
 */
class ArchitectureTest {

    private static final String ROOT = "org.redisfailover.proxy";

    /** Top to bottom. Packages on one level are independent of each other. */
    static final List<List<String>> LEVELS = List.of(
            List.of("server"), // accept, pipeline, start and stop
            List.of(
                    "client", "admin",
                    "zk"), // one client's parts: lanes, reply order, state; the admin endpoint; following ZooKeeper
            List.of("loop"), // what one event loop owns: held requests and replies, routing, probes, output budget
            List.of("topology"), // what every event loop reads: the topology, the write lease, offsets
            List.of("backend"), // connections to the Redis nodes
            List.of("config"), // the proxy's settings
            List.of("errors", "io", "metrics", "tls")); // building blocks: the proxy's error texts, I/O, metrics, TLS

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);

    @Test
    void eachPackageUsesOnlyThePackagesBelowIt() {
        for (int level = 0; level < LEVELS.size(); level++) {
            List<String> notBelow = new ArrayList<>();
            for (int above = 0; above <= level; above++) {
                LEVELS.get(above).forEach(name -> notBelow.add(ROOT + "." + name + ".."));
            }
            for (String name : LEVELS.get(level)) {
                String own = ROOT + "." + name + "..";
                List<String> forbidden =
                        notBelow.stream().filter(other -> !other.equals(own)).toList();
                noClasses()
                        .that()
                        .resideInAPackage(own)
                        .should()
                        .dependOnClassesThat()
                        .resideInAnyPackage(forbidden.toArray(String[]::new))
                        .because("the proxy's packages point down only (docs/ARCHITECTURE.md)")
                        .check(CLASSES);
            }
        }
    }

    @Test
    void everyPackageHasItsLevel() {
        List<String> known = LEVELS.stream()
                .flatMap(List::stream)
                .map(name -> ROOT + "." + name)
                .toList();
        List<String> unplaced = CLASSES.stream()
                .map(javaClass -> javaClass.getPackageName())
                .filter(name -> name.startsWith(ROOT + "."))
                .map(name -> ROOT + "." + name.substring(ROOT.length() + 1).split("\\.")[0])
                .distinct()
                .filter(name -> !known.contains(name))
                .toList();
        assertEquals(List.of(), unplaced, "packages without a level in ArchitectureTest.LEVELS");
    }

    @Test
    void noPackagesFormACycle() {
        slices().matching(ROOT + ".(**)").should().beFreeOfCycles().check(CLASSES);
    }
}

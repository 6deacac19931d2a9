package io.ramify.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The boundaries docs/architecture.md draws, checked on the compiled main code of every module.
 *
 * <p>A <b>core</b> ({@code *.core} packages and {@code pgwal}) computes what a replica or a page
 * store does from its input alone: no Ratis, RocksDB, gRPC or Netty (it reads and writes through
 * {@code kv}'s {@code Kv}/{@code Writes}), no clock and no sleeping (the leader's time comes in the
 * request). That is what lets every replica compute the same result and lets the cores be tested
 * with in-memory state. <b>Servers</b> talk to each other only through clients and wire types:
 * none compiles against another's server or core.
 *
 * <p>Negative controls live here too: the same rules applied to {@code io.ramify.archfixture.core},
 * a test-only class that imports Ratis and reads the clock, must report it.
 */
class ArchitectureTest {
    static final String[] CORES = {
        "io.ramify.wal.core..", "io.ramify.catalog.core..", "io.ramify.pagestore.core..", "io.ramify.pgwal.."
    };

    private static JavaClasses main;

    @BeforeAll
    static void importMainCode() {
        main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.ramify");
    }

    /** Cores: no Ratis, storage engine, RPC, clock or sleep. */
    static ArchRule coresArePure(String... cores) {
        return noClasses()
                .that()
                .resideInAnyPackage(cores)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.apache.ratis..", "org.rocksdb..", "io.grpc..", "io.netty..")
                .orShould()
                .dependOnClassesThat()
                .haveFullyQualifiedName("io.ramify.kv.RocksKv")
                .orShould()
                .dependOnClassesThat()
                .areAssignableTo(Clock.class)
                .orShould()
                .callMethod(System.class, "currentTimeMillis")
                .orShould()
                .callMethod(System.class, "nanoTime")
                .orShould()
                .callMethod(Instant.class, "now")
                .orShould()
                .callMethod(Thread.class, "sleep", long.class)
                .because("a core computes from its input alone, the same on every replica (docs/architecture.md)");
    }

    @Test
    void theCoresArePure() {
        int cores = main.that(com.tngtech.archunit.base.DescribedPredicate.describe(
                        "in a core",
                        c -> c.getPackageName()
                                .matches("io\\.ramify\\.(wal|catalog|pagestore)\\.core(\\..*)?|io\\.ramify\\.pgwal.*")))
                .size();
        assertTrue(cores >= 30, "the cores were not found on the class path (" + cores + " classes)");
        coresArePure(CORES).check(main);
    }

    @Test
    void serversStayOffEachOthersImplementations() {
        noClasses()
                .that()
                .resideInAnyPackage("io.ramify.catalog..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.ramify.wal.server..",
                        "io.ramify.wal.core..",
                        "io.ramify.pagestore.server..",
                        "io.ramify.pagestore.core..")
                .check(main);
        noClasses()
                .that()
                .resideInAnyPackage("io.ramify.wal..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.ramify.catalog..", "io.ramify.pagestore..")
                .check(main);
        noClasses()
                .that()
                .resideInAnyPackage("io.ramify.pagestore..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.ramify.wal.server..",
                        "io.ramify.wal.core..",
                        "io.ramify.catalog.server..",
                        "io.ramify.catalog.core..")
                .check(main);
        noClasses()
                .that()
                .resideInAnyPackage("io.ramify.raft..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.ramify.wal..", "io.ramify.catalog..", "io.ramify.pagestore..")
                .because("raft-host and raft-client serve every group alike")
                .check(main);
        noClasses()
                .that()
                .resideInAnyPackage("io.ramify.adapter..", "io.ramify.control..", "io.ramify.proxy..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.ramify.wal.server..",
                        "io.ramify.wal.core..",
                        "io.ramify.catalog.server..",
                        "io.ramify.catalog.core..",
                        "io.ramify.pagestore.server..",
                        "io.ramify.raft.host..")
                .because("computes, the control plane and the proxy reach the storage through its clients")
                .check(main);
    }

    /** Negative control: a core that imports Ratis and reads the clock is reported, on both counts. */
    @Test
    void anImpureCoreIsReported() {
        JavaClasses fixture = new ClassFileImporter().importPackages("io.ramify.archfixture.core");
        EvaluationResult r = coresArePure("io.ramify.archfixture.core..").evaluate(fixture);
        assertTrue(r.hasViolation(), "the rule let a core import Ratis");
        String report = String.join("\n", r.getFailureReport().getDetails());
        assertTrue(report.contains("org.apache.ratis"), report);
        assertTrue(report.contains("currentTimeMillis"), report);
    }
}

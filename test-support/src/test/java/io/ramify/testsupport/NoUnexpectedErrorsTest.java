package io.ramify.testsupport;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;
import org.slf4j.LoggerFactory;

/**
 * The extension on real logback: a test whose code logs an ERROR under io.ramify fails, one that
 * declares it passes, and Ratis's (or anyone else's) ERROR lines do not count. The fixtures are
 * run through the JUnit engine with auto-detection on, as the build runs every test.
 */
@ExpectedError(logger = "io.ramify.fixture", reason = "the fixtures this class runs log them on purpose")
class NoUnexpectedErrorsTest {
    private static Events run(Class<?> fixture) {
        return EngineTestKit.engine("junit-jupiter")
                .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true")
                .selectors(selectClass(fixture))
                .execute()
                .testEvents();
    }

    @Test
    void anUndeclaredErrorOfOursFailsTheTest() {
        run(LogsAnError.class).assertStatistics(s -> s.succeeded(0).failed(1));
    }

    @Test
    void aDeclaredErrorDoesNot() {
        run(DeclaresIt.class).assertStatistics(s -> s.succeeded(1).failed(0));
    }

    @Test
    void aDeclarationOfAnotherMessageDoesNotCoverIt() {
        run(DeclaresAnother.class).assertStatistics(s -> s.succeeded(0).failed(1));
    }

    @Test
    void errorsOfOtherLibrariesAndWarningsOfOursDoNotCount() {
        run(OthersOnly.class).assertStatistics(s -> s.succeeded(1).failed(0));
    }

    @Test
    void anErrorInTheClassSetUpFailsItsFirstTest() {
        run(ErrorInSetUp.class).assertStatistics(s -> s.succeeded(1).failed(1));
    }

    @Test
    void anUndeclaredErrorInAProcessLogFailsTheTest() {
        run(ProcessLogsAnError.class).assertStatistics(s -> s.succeeded(0).failed(1));
    }

    @Test
    void aProcessErrorDeclaredByItsFullLoggerNameDoesNot() {
        run(ProcessDeclaresIt.class).assertStatistics(s -> s.succeeded(1).failed(0));
    }

    @Test
    void abbreviatedLoggerNamesMatchTheirPackages() {
        org.junit.jupiter.api.Assertions.assertAll(
                () -> org.junit.jupiter.api.Assertions.assertTrue(
                        NoUnexpectedErrors.loggerIn("i.r.c.ComputeManager", "io.ramify.control")),
                () -> org.junit.jupiter.api.Assertions.assertTrue(
                        NoUnexpectedErrors.loggerIn("i.r.c.ComputeManager", "io.ramify.control.ComputeManager")),
                () -> org.junit.jupiter.api.Assertions.assertFalse(
                        NoUnexpectedErrors.loggerIn("i.r.c.ComputeManager", "io.ramify.wal")),
                () -> org.junit.jupiter.api.Assertions.assertFalse(
                        NoUnexpectedErrors.loggerIn("i.r.c.ComputeManager", "io.ramify.control.Forks")),
                () -> org.junit.jupiter.api.Assertions.assertFalse(
                        NoUnexpectedErrors.loggerIn("i.r.c.Forks", "io.ramify.control.ComputeManager.Inner")));
    }

    /** Writes one line to a log registered as a process's, as a server process of a LocalCluster would. */
    static void processLogs(String line) throws java.io.IOException {
        java.nio.file.Path log = java.nio.file.Files.createTempFile("process", ".log");
        log.toFile().deleteOnExit();
        io.ramify.cluster.ProcessLogs.register(log);
        java.nio.file.Files.writeString(log, "12:00:00.000 INFO  [main] i.r.f.Proc - starting\n" + line + "\n");
    }

    static class ProcessLogsAnError {
        @Test
        void logs() throws Exception {
            processLogs("12:00:01.000 ERROR [grpc-1] i.r.fixture.Proc - the disk is on fire");
        }
    }

    static class ProcessDeclaresIt {
        @Test
        @ExpectedError(logger = "io.ramify.fixture.Proc", message = "on fire", reason = "the fixture sets it alight")
        void logs() throws Exception {
            processLogs("2026-12-07T12:00:01.000Z ERROR [grpc-1] i.r.fixture.Proc - the disk is on fire");
        }
    }

    static class LogsAnError {
        @Test
        void logs() {
            LoggerFactory.getLogger("io.ramify.fixture.Thing").error("the disk is on fire");
        }
    }

    static class DeclaresIt {
        @Test
        @ExpectedError(logger = "io.ramify.fixture", message = "on fire", reason = "the fixture sets it alight")
        void logs() {
            LoggerFactory.getLogger("io.ramify.fixture.Thing").error("the disk is on fire");
        }
    }

    static class DeclaresAnother {
        @Test
        @ExpectedError(logger = "io.ramify.fixture", message = "flooded", reason = "another fault")
        void logs() {
            LoggerFactory.getLogger("io.ramify.fixture.Thing").error("the disk is on fire");
        }
    }

    static class OthersOnly {
        @Test
        void logs() {
            LoggerFactory.getLogger("org.apache.ratis.client.impl.OrderedAsync").error("Failed to send request");
            LoggerFactory.getLogger("io.ramify.fixture.Thing").warn("a warning is not an error");
        }
    }

    @org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.MethodName.class)
    static class ErrorInSetUp {
        @org.junit.jupiter.api.BeforeAll
        static void setUp() {
            LoggerFactory.getLogger("io.ramify.fixture.Thing").error("set-up went wrong");
        }

        @Test
        void a() {}

        @Test
        void b() {}
    }
}

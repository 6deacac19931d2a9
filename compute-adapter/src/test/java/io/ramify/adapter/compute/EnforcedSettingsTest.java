package io.ramify.adapter.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which file settings the command line silently beats, and the wal_level floor. */
class EnforcedSettingsTest {
    @Test
    void aFileValueThatDiffersIsReportedAndTheLastRowOfANameCounts() {
        Map<String, String> used = EnforcedSettings.forStart("replica");
        List<String> rows = List.of(
                "wal_init_zero|on|/d/postgresql.conf",
                "wal_init_zero|off|/d/postgresql.conf",
                "wal_init_zero|true|/d/postgresql.auto.conf",
                "fsync|yes|/d/postgresql.conf",
                "work_mem|64MB|/d/x.conf",
                "wal_level|hot_standby|/d/postgresql.conf");
        assertEquals(
                List.of("wal_init_zero = true (postgresql.auto.conf) is overridden: the adapter runs off"),
                EnforcedSettings.overridden(rows, used));
    }

    @Test
    void walLevelIsAFloorThatTheFilesMayRaiseToLogicalOnly() {
        assertEquals("logical", EnforcedSettings.forStart(" logical\n").get("wal_level"));
        assertEquals("replica", EnforcedSettings.forStart("minimal").get("wal_level"));
        assertEquals("replica", EnforcedSettings.forStart(null).get("wal_level"));
        Map<String, String> used = EnforcedSettings.forStart("logical");
        assertEquals(
                List.of(), EnforcedSettings.overridden(List.of("wal_level|logical|/d/postgresql.auto.conf"), used));
        assertEquals(
                List.of("wal_level = minimal (postgresql.conf) is overridden: the adapter runs replica"),
                EnforcedSettings.overridden(
                        List.of("wal_level|minimal|/d/postgresql.conf"), EnforcedSettings.forStart("minimal")));
    }
}

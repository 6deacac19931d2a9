package io.ramify.adapter.compute;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A compute directory too deep for Postgres's Unix socket is refused up front, saying why. */
class SocketPathTest {
    @Test
    void aTooDeepWorkDirectoryIsRefusedWithTheReason() {
        PostgresProcess.checkSocketPath(Path.of("/var/lib/ramify/computes/dev"), 25433); // fine
        Path deep = Path.of("/var/lib/ramify/" + "a-rather-long-directory-name/".repeat(3) + "computes/dev");
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> PostgresProcess.checkSocketPath(deep, 25433));
        assertTrue(
                e.getMessage().contains("too deep")
                        && e.getMessage().contains("107")
                        && e.getMessage().contains(".s.PGSQL.25433"),
                e.getMessage());
    }
}

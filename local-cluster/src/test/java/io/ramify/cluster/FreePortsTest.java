package io.ramify.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FreePortsTest {
    /** The kernel offers a closed probe's port again readily; a process never gets one twice. */
    @Test
    void aProcessNeverGetsTheSamePortTwice() {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            seen.add(FreePorts.next());
        }
        assertEquals(2000, seen.size());
    }
}

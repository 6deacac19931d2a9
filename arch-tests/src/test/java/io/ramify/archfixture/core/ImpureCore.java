package io.ramify.archfixture.core;

import org.apache.ratis.protocol.RaftGroupId;

/**
 * A deliberately broken "core" for {@code ArchitectureTest}'s negative controls: it imports Ratis
 * and reads the clock, both of which the rules forbid in a core. Never used by anything else.
 */
public final class ImpureCore {
    private ImpureCore() {}

    public static String groupOf(java.util.UUID id) {
        return RaftGroupId.valueOf(id).toString();
    }

    public static long now() {
        return System.currentTimeMillis();
    }
}

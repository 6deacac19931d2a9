package io.ramify.pagestore.core;

import io.ramify.common.TimelineId;
import java.util.List;

/**
 * What one compute sees: its timeline at a cut, laid over its parent at the fork cut, and so on
 * up to the root (docs/design.md §1). {@code levels.get(0)} is the own timeline.
 */
public record View(List<Level> levels) {
    /** The deepest ancestry a view may have. */
    public static final int LEVELS_MAX = 256;

    public record Level(TimelineId timeline, long cut) {
        public Level {
            if (cut < 0) {
                throw new IllegalArgumentException("cut must be non-negative, got " + cut + " for " + timeline);
            }
        }
    }

    public View {
        if (levels.isEmpty() || levels.size() > LEVELS_MAX) {
            throw new IllegalArgumentException("a view has 1.." + LEVELS_MAX + " levels, got " + levels.size());
        }
        levels = List.copyOf(levels);
    }

    public static View of(Level... levels) {
        return new View(List.of(levels));
    }

    public TimelineId own() {
        return levels.getFirst().timeline();
    }
}

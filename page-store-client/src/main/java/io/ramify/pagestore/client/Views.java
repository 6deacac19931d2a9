package io.ramify.pagestore.client;

import com.google.protobuf.ByteString;
import io.ramify.common.TimelineId;
import io.ramify.pagestore.proto.View;
import io.ramify.pagestore.proto.ViewLevel;

/** Builds wire views, so callers never assemble them by hand. */
public final class Views {
    private Views() {}

    public static ViewLevel level(TimelineId timeline, long cut) {
        return ViewLevel.newBuilder()
                .setTimeline(ByteString.copyFrom(timeline.toBytes()))
                .setCut(cut)
                .build();
    }

    /** {@code levels[0]} is the own timeline at its cut, then its parent at the fork cut, and so on. */
    public static View of(ViewLevel... levels) {
        return View.newBuilder().addAllLevels(java.util.List.of(levels)).build();
    }

    /** A root timeline seen at {@code cut}. */
    public static View root(TimelineId timeline, long cut) {
        return of(level(timeline, cut));
    }

    public static String describe(View v) {
        StringBuilder b = new StringBuilder("[");
        for (ViewLevel l : v.getLevelsList()) {
            b.append(b.length() > 1 ? ", " : "");
            b.append(
                            l.getTimeline().size() == 16
                                    ? TimelineId.fromBytes(l.getTimeline().toByteArray())
                                            .shortForm()
                                    : "?" + l.getTimeline().size() + "B")
                    .append('@')
                    .append(l.getCut());
        }
        return b.append(']').toString();
    }
}

package io.ramify.control;

import io.ramify.catalog.client.CatalogClient;
import io.ramify.catalog.client.CatalogModel;
import io.ramify.pagestore.proto.View;
import io.ramify.pagestore.proto.ViewLevel;
import java.util.ArrayList;
import java.util.List;

/** The page-store view of a branch, from the catalog's record of its timeline's ancestry. */
final class BranchView {
    /** Ancestors followed (a deeper tree is a bug upstream). */
    static final int ANCESTRY_MAX = 256;

    private BranchView() {}

    /** The branch's timeline at {@code ownCut} over each ancestor at its child's fork cut. */
    static View of(CatalogClient catalog, CatalogModel.Branch b, long ownCut) {
        List<ViewLevel> levels = new ArrayList<>();
        levels.add(io.ramify.pagestore.client.Views.level(b.timeline().id(), ownCut));
        CatalogModel.Timeline t = b.timeline();
        while (t.parent().isPresent()) {
            if (levels.size() > ANCESTRY_MAX) {
                throw new IllegalStateException("branch " + b.name() + " has more than " + ANCESTRY_MAX + " ancestors");
            }
            levels.add(io.ramify.pagestore.client.Views.level(
                    t.parent().get(), t.forkCut().value()));
            t = catalog.getTimeline(t.parent().get());
        }
        return io.ramify.pagestore.client.Views.of(levels.toArray(ViewLevel[]::new));
    }
}

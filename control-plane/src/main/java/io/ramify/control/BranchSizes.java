package io.ramify.control;

import io.ramify.catalog.client.CatalogClient;
import io.ramify.catalog.client.CatalogModel;
import io.ramify.common.Lsn;
import io.ramify.common.TimelineId;
import io.ramify.pagestore.client.PageStoreClient;
import io.ramify.pagestore.proto.TimelineUsage;
import io.ramify.wal.client.WalClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sizes a branch shows: its logical size (a ListTree of its whole view), the bytes it owns
 * (the page stores' usage) and its WAL head (a ratis-wal status). Measuring is the expensive part
 * of a listing — 7 branches took 0.4 s alone, and 100 listings at once 23 s in all — and
 * dashboards and scripts poll listings, so a listing reuses sizes measured within {@link
 * #LISTING_MAX_AGE} and listings at once share one measurement per timeline. The branches
 * themselves always come fresh from the catalog, and each says when its sizes were measured
 * ({@code sizesAt}). One branch ({@code GET .../branches/NAME}) is always measured afresh: tests
 * and tools read its head LSN.
 */
final class BranchSizes {
    private static final Logger LOG = LoggerFactory.getLogger(BranchSizes.class);
    /** How old the sizes in a listing may be: a few seconds, so a dashboard's view lags little. */
    static final Duration LISTING_MAX_AGE = Duration.ofSeconds(5);
    /** Branches measured at once (each a ListTree and a status query, mostly waiting on the network). */
    static final int MEASURED_AT_ONCE = 8;
    /** Timelines whose sizes are kept; beyond it the old ones are dropped (a few hundred bytes each). */
    static final int KEPT_MAX = 10_000;

    /** Null values are sizes the parts did not report. */
    record Sizes(Long logicalBytes, Long ownedBytes, String headLsn, Instant at) {}

    private record Entry(CompletableFuture<Sizes> sizes, long startedNanos) {}

    private final WalClient wal;
    private final PageStoreClient pages;
    private final CatalogClient catalog;
    private final LongSupplier nanoClock;
    private final ConcurrentHashMap<TimelineId, Entry> kept = new ConcurrentHashMap<>();

    BranchSizes(WalClient wal, PageStoreClient pages, CatalogClient catalog, LongSupplier nanoClock) {
        this.wal = wal;
        this.pages = pages;
        this.catalog = catalog;
        this.nanoClock = nanoClock;
    }

    /** The sizes of one branch, measured now. */
    Sizes now(CatalogModel.Branch b) {
        return measure(List.of(b)).get(b.timeline().id());
    }

    /** Sizes for a listing: measured within {@link #LISTING_MAX_AGE}, by this call or another. */
    Map<TimelineId, Sizes> forListing(List<CatalogModel.Branch> branches) {
        long now = nanoClock.getAsLong();
        Map<TimelineId, Entry> all = new LinkedHashMap<>();
        Map<TimelineId, Entry> mine = new LinkedHashMap<>();
        List<CatalogModel.Branch> toMeasure = new ArrayList<>();
        for (CatalogModel.Branch b : branches) {
            TimelineId id = b.timeline().id();
            Entry fresh = new Entry(new CompletableFuture<>(), now);
            Entry e = kept.compute(
                    id, (k, old) -> old != null && now - old.startedNanos() <= LISTING_MAX_AGE.toNanos() ? old : fresh);
            all.put(id, e);
            if (e == fresh) {
                mine.put(id, e);
                toMeasure.add(b);
            }
        }
        if (kept.size() > KEPT_MAX) {
            kept.values().removeIf(e -> now - e.startedNanos() > LISTING_MAX_AGE.toNanos());
        }
        if (!toMeasure.isEmpty()) {
            try {
                Map<TimelineId, Sizes> measured = measure(toMeasure);
                mine.forEach((id, e) -> e.sizes().complete(measured.get(id)));
            } catch (RuntimeException ex) {
                mine.forEach((id, e) -> {
                    e.sizes().completeExceptionally(ex);
                    kept.remove(id, e);
                });
                throw ex;
            }
        }
        Map<TimelineId, Sizes> out = new LinkedHashMap<>();
        all.forEach((id, e) -> out.put(id, join(e.sizes())));
        return out;
    }

    private Map<TimelineId, Sizes> measure(List<CatalogModel.Branch> branches) {
        Map<TimelineId, TimelineUsage> usage = usage(branches);
        Instant at = Instant.now();
        try (var pool = Executors.newFixedThreadPool(
                MEASURED_AT_ONCE, Thread.ofVirtual().name("sizes-", 0).factory())) {
            Map<TimelineId, Future<Sizes>> pending = new LinkedHashMap<>();
            for (CatalogModel.Branch b : branches) {
                TimelineUsage u = usage.get(b.timeline().id());
                // A timeline with no own versions yet has no usage entry: it owns nothing.
                pending.put(
                        b.timeline().id(),
                        pool.submit(() -> new Sizes(logicalBytes(b), u == null ? 0L : u.getOwnBytes(), head(b), at)));
            }
            Map<TimelineId, Sizes> out = new LinkedHashMap<>();
            pending.forEach((id, f) -> out.put(id, get(f)));
            return out;
        }
    }

    private Map<TimelineId, TimelineUsage> usage(List<CatalogModel.Branch> branches) {
        try {
            return pages.usage(branches.stream().map(b -> b.timeline().id()).toList());
        } catch (RuntimeException e) {
            LOG.warn("page stores did not report usage: {}", e.getMessage());
            return Map.of();
        }
    }

    /** Bytes of the branch's files at its head as Postgres sees them (WAL excluded); null if unknown. */
    private Long logicalBytes(CatalogModel.Branch b) {
        try {
            long sum = 0;
            for (var f : pages.listTree(BranchView.of(catalog, b, Long.MAX_VALUE), 0)) {
                if (!f.getDirectory() && f.getExists() && !f.getPath().startsWith("pg_wal/")) {
                    sum += f.getSize();
                }
            }
            return sum;
        } catch (RuntimeException e) {
            LOG.debug("no logical size for {}: {}", b.name(), e.getMessage());
            return null;
        }
    }

    private String head(CatalogModel.Branch b) {
        try {
            return Lsn.of(WalClient.await(wal.status(b.timeline().id())).getLastRecordEnd())
                    .toString();
        } catch (RuntimeException e) {
            LOG.debug("no status for {}: {}", b.timeline().id(), e.getMessage());
            return null;
        }
    }

    private static Sizes get(Future<Sizes> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ControlError.unavailable("interrupted while measuring branch sizes", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        }
    }

    private static Sizes join(CompletableFuture<Sizes> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        }
    }
}

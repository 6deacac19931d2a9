package io.ramify.control;

import io.ramify.catalog.client.CatalogClient;
import io.ramify.catalog.client.CatalogModel;
import io.ramify.catalog.client.CatalogModel.TimelineSpec;
import io.ramify.common.Lsn;
import io.ramify.common.Seq;
import io.ramify.common.TimelineId;
import io.ramify.pagestore.client.PageStoreClient;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalRejectedException;
import io.ramify.wal.proto.ForkPointReply;
import io.ramify.wal.proto.Rejection;
import io.ramify.wal.proto.TimelineStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the timelines of branch operations in ratis-wal: where to fork (the head after a
 * CHECKPOINT, the record end at or before an LSN, the last commit at or before a time) in one
 * read, and the fork itself in one write. A new timeline's id is derived from the operation's
 * request id, so a retry finds the fork its first attempt made ({@link #made}) and reuses it as it
 * is, rather than forking again at a head that has moved on. Nothing waits for the page stores to
 * list a new timeline: a shard asked to read one it does not know lists at once
 * ({@code IngestProgress.await}).
 */
final class Forks {
    private static final Logger LOG = LoggerFactory.getLogger(Forks.class);
    /** Bound on waiting for a CHECKPOINT on the parent before branching at its head. */
    static final Duration PARENT_CHECKPOINT_MAX = Duration.ofSeconds(30);
    /** How often a shard is asked whether it has picked up a new project's root timeline. */
    static final Duration SHARD_POLL_INTERVAL = Duration.ofMillis(50);
    /** Postgres's way of writing an LSN: two 32-bit hex numbers. */
    private static final Pattern LSN_TEXT = Pattern.compile("[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}");

    private final ControlConfig config;
    private final WalClient wal;
    private final PageStoreClient pages;
    private final CatalogClient catalog;
    private final ComputeManager computes;

    Forks(ControlConfig config, WalClient wal, PageStoreClient pages, CatalogClient catalog, ComputeManager computes) {
        this.config = config;
        this.wal = wal;
        this.pages = pages;
        this.catalog = catalog;
        this.computes = computes;
    }

    /** A timeline id derived from the request id, so a retried operation makes no second timeline. */
    static TimelineId derivedId(String kind, String subject, String requestId) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256")
                    .digest((kind + "\n" + subject + "\n" + requestId).getBytes(StandardCharsets.UTF_8));
            return TimelineId.fromBytes(Arrays.copyOf(h, 16));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The fork an earlier attempt of this request made, as the catalog must record it (known to
     * every shard); empty when there is none. A fork of another timeline than {@code parent} (when
     * not null) means the key was used before for something else ({@code REQUEST_ID_REUSED}).
     */
    Optional<TimelineSpec> made(TimelineId child, TimelineId parent) {
        TimelineStatus s;
        try {
            s = WalClient.await(wal.status(child));
        } catch (WalRejectedException e) {
            if (e.code() == Rejection.Code.UNKNOWN_TIMELINE) {
                return Optional.empty();
            }
            throw e;
        }
        if (parent != null && !TimelineId.fromBytes(s.getParent().toByteArray()).equals(parent)) {
            throw new ControlError.Conflict(
                    "REQUEST_ID_REUSED",
                    "this Idempotency-Key already made timeline "
                            + child.shortForm()
                            + " from another branch's history than this request names; use a new key for every"
                            + " operation",
                    null);
        }
        return Optional.of(new TimelineSpec(child, Lsn.of(s.getForkLsn()), Seq.of(s.getForkCut()), wal.groupOf(child)));
    }

    /**
     * Makes the child timeline at {@code at} (one write); returns what the catalog records. If an
     * earlier attempt of the same request made the child already, at another point, that fork is
     * the answer ({@link #made}).
     */
    TimelineSpec fork(CatalogModel.Branch parent, ForkPointReply at, TimelineId child) {
        TimelineId p = parent.timeline().id();
        TimelineStatus s;
        try {
            s = WalClient.await(wal.createFork(child, p, at, pages.shardCount()));
        } catch (WalRejectedException e) {
            if (e.code() == Rejection.Code.ALREADY_EXISTS) {
                return made(child, p).orElseThrow(() -> e);
            }
            throw e;
        }
        return new TimelineSpec(child, Lsn.of(s.getForkLsn()), Seq.of(s.getForkCut()), wal.groupOf(child));
    }

    /**
     * Where to fork, in one ratis-wal read: the parent's durable head (after a CHECKPOINT when its
     * compute runs), the last record end at or before an LSN, or the last commit at or before a time;
     * with the fork cut and the fork page's prefix. An LSN or a time outside the parent's history is
     * {@link ControlError.OutOfHistory}, naming the branch.
     */
    ForkPointReply forkPoint(CatalogModel.Branch parent, String lsnText, String timeText) {
        TimelineId tl = parent.timeline().id();
        try {
            if (lsnText == null && timeText == null) {
                checkpointIfRunning(parent);
                return WalClient.await(wal.forkPointAtHead(tl));
            }
            if (lsnText != null) {
                return WalClient.await(wal.forkPointAtLsn(tl, parseLsn(lsnText, parent.name())));
            }
            return WalClient.await(wal.forkPointAtTime(tl, checkTime(parent, instant(timeText, "time"))));
        } catch (WalRejectedException e) {
            if (e.code() == Rejection.Code.BEYOND_END || e.code() == Rejection.Code.OUT_OF_WINDOW) {
                throw new ControlError.OutOfHistory(
                        e.code().name(),
                        "branch " + parent.name() + ": " + e.getMessage()
                                + "; pick " + (e.code() == Rejection.Code.BEYOND_END ? "an earlier" : "a later")
                                + " LSN or time (or"
                                + " neither, to branch at the head)",
                        null);
            }
            throw e;
        }
    }

    /**
     * An LSN as Postgres writes it. A well-formed one above 7FFFFFFF/FFFFFFFF (which {@link Lsn}
     * cannot hold) is beyond any WAL end, and said so.
     */
    private static Lsn parseLsn(String text, String branch) {
        if (!LSN_TEXT.matcher(text).matches()) {
            throw ControlError.invalidArgument(
                    "'" + text + "' is not an LSN; write it as Postgres does, two hex numbers of"
                            + " at most 8 digits, e.g. 0/3000028");
        }
        try {
            return Lsn.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ControlError.OutOfHistory(
                    "BEYOND_END",
                    "LSN " + text.toUpperCase(java.util.Locale.ROOT)
                            + " is beyond branch " + branch
                            + "'s durable WAL end; pick an LSN at or below it (or omit it to branch at"
                            + " the head)",
                    null);
        }
    }

    /** A time inside the project's history window and not in the future (ratis-wal checks the rest). */
    private Instant checkTime(CatalogModel.Branch parent, Instant t) {
        if (t.isAfter(Instant.now())) {
            throw new ControlError.OutOfHistory(
                    "BEYOND_END", "time " + t + " is in the future; pick a time in the past", null);
        }
        Duration window = catalog.getProject(parent.project()).historyWindow();
        if (t.isBefore(Instant.now().minus(window))) {
            throw new ControlError.OutOfHistory(
                    "OUT_OF_WINDOW",
                    "time " + t + " is before the project's history window (" + window.toHours()
                            + " h); pick a later time",
                    null);
        }
        return t;
    }

    /** A short replay for the child: ask the parent's running Postgres for a checkpoint first. */
    private void checkpointIfRunning(CatalogModel.Branch parent) {
        computes.running(parent.timeline().id()).ifPresent(r -> {
            try {
                Psql.checkpoint(config.computeHost(), r.port(), PARENT_CHECKPOINT_MAX);
            } catch (RuntimeException e) {
                LOG.warn(
                        "CHECKPOINT on {} before branching failed ({}); the new branch replays more WAL at start",
                        parent.name(),
                        e.getMessage());
            }
        });
    }

    /** Page stores find new timelines by polling; computes and accounting need them known. */
    void awaitShardsKnow(TimelineId tl) {
        long deadline = System.nanoTime() + ControlConfig.SHARD_DISCOVERY_MAX.toNanos();
        for (int shard = 0; shard < pages.shardCount(); shard++) {
            while (pages.status(shard).getTimelinesList().stream()
                    .noneMatch(t ->
                            TimelineId.fromBytes(t.getTimeline().toByteArray()).equals(tl))) {
                if (System.nanoTime() > deadline) {
                    throw ControlError.unavailable(
                            "page-store shard " + shard + " has not picked up timeline " + tl.shortForm() + " within "
                                    + ControlConfig.SHARD_DISCOVERY_MAX + "; is it connected to ratis-wal?",
                            null);
                }
                try {
                    Thread.sleep(SHARD_POLL_INTERVAL);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw ControlError.unavailable("interrupted while waiting for the page stores", e);
                }
            }
        }
    }

    static Instant instant(String text, String field) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw ControlError.invalidArgument(
                    "'" + field + "' must be an ISO-8601 UTC time such as 2026-11-24T10:00:00Z, not '" + text + "'");
        }
    }
}

package io.ramify.control;

import static io.ramify.control.PartErrors.call;

import io.ramify.catalog.client.CatalogClient;
import io.ramify.catalog.client.CatalogClientConfig;
import io.ramify.catalog.client.CatalogException;
import io.ramify.catalog.client.CatalogLimits;
import io.ramify.catalog.client.CatalogModel;
import io.ramify.catalog.client.CatalogModel.TimelineSpec;
import io.ramify.catalog.proto.EndpointState;
import io.ramify.common.TimelineId;
import io.ramify.common.ops.PrometheusText;
import io.ramify.pagestore.client.PageStoreClient;
import io.ramify.pagestore.client.PageStoreClientConfig;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalClientConfig;
import io.ramify.wal.client.WalRejectedException;
import io.ramify.wal.proto.Rejection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Branch operations end to end: each one makes what it needs in ratis-wal (a root timeline, a fork
 * at a record end) and then records it in the catalog, and runs the computes of branches. Every
 * operation that changes something takes the caller's request id, so a retried call is applied
 * once: the new timeline's id is derived from it, and the catalog recognises it.
 */
public final class ControlPlane implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlPlane.class);

    private final ControlConfig config;
    private final WalClient wal;
    private final PageStoreClient pages;
    private final CatalogClient catalog;
    private final ComputeManager computes;
    private final Forks forks;
    private final BranchLocks locks = new BranchLocks();
    private final BranchSizes sizes;
    private final BackgroundJobs jobs;
    private volatile String proxyAddress;

    public ControlPlane(ControlConfig config) {
        this.config = config;
        this.wal = WalClient.connect(config.wal(), WalClientConfig.DEFAULT);
        this.pages = new PageStoreClient(config.pageStores(), PageStoreClientConfig.DEFAULT);
        this.catalog = CatalogClient.connect(config.wal(), CatalogClientConfig.DEFAULT);
        this.computes = new ComputeManager(config, catalog);
        this.forks = new Forks(config, wal, pages, catalog, computes);
        this.sizes = new BranchSizes(wal, pages, catalog, System::nanoTime);
        this.jobs = new BackgroundJobs(config, catalog, computes);
    }

    public ControlConfig config() {
        return config;
    }

    /** Branch expiry, idle suspension and orphan marking, which ControlServer runs on timers. */
    public BackgroundJobs jobs() {
        return jobs;
    }

    // ---- projects ----

    public Views.ProjectCreated createProject(String requestId, Views.CreateProject req) {
        return call(() -> {
            String name = require(req.name(), "name");
            checkName(CatalogLimits.PROJECT_NAME, name, "project");
            Duration window = req.historyWindowSeconds() == null
                    ? CatalogLimits.DEFAULT_HISTORY_WINDOW
                    : Duration.ofSeconds(req.historyWindowSeconds());
            TimelineId root = Forks.derivedId("project", name, requestId);
            try {
                WalClient.await(wal.createRoot(root, pages.shardCount()));
            } catch (WalRejectedException e) {
                if (e.code() != Rejection.Code.ALREADY_EXISTS) {
                    throw e;
                }
            }
            CatalogModel.NewProject p =
                    catalog.withRequestId(requestId).createProject(name, root, wal.groupOf(root), window);
            forks.awaitShardsKnow(root);
            LOG.info("project {} created (root timeline {})", name, root.shortForm());
            return new Views.ProjectCreated(project(p.project()), branch(p.rootBranch(), false));
        });
    }

    public List<Views.Project> listProjects() {
        return call(
                () -> catalog.listProjects().stream().map(ControlPlane::project).toList());
    }

    public Views.Project getProject(String name) {
        return call(() -> project(catalog.getProject(name)));
    }

    // ---- branches ----

    public List<Views.Branch> listBranches(String project, boolean sizes) {
        return call(() -> {
            List<CatalogModel.Branch> all = catalog.listBranches(project);
            if (!sizes) {
                return all.stream().map(b -> branch(b, null)).toList();
            }
            Map<TimelineId, BranchSizes.Sizes> measured = this.sizes.forListing(all);
            return all.stream()
                    .map(b -> branch(b, measured.get(b.timeline().id())))
                    .toList();
        });
    }

    public Views.Branch getBranch(String project, String name) {
        return call(() -> {
            CatalogModel.Branch b = catalog.getBranch(project, name);
            return branch(b, sizes.now(b));
        });
    }

    /**
     * A new branch of {@code parent} at its head, at an LSN, or at a time. A retry whose first
     * attempt forked reuses that fork and sends the catalog the same command, which the catalog
     * answers as it answered the first (also after a restart of this process).
     */
    public Views.Branch createBranch(String requestId, String project, Views.CreateBranch req) {
        return call(() -> {
            String name = require(req.name(), "name");
            checkName(CatalogLimits.BRANCH_NAME, name, "branch");
            if (req.lsn() != null && req.time() != null) {
                throw ControlError.invalidArgument("give at most one of lsn and time, not both");
            }
            catalog.getProject(project);
            String parentName = req.parent() == null ? CatalogLimits.DEFAULT_BRANCH : req.parent();
            Instant expires = req.expiresAt() == null ? null : Forks.instant(req.expiresAt(), "expiresAt");
            TimelineId child = Forks.derivedId("branch", project + "/" + name, requestId);
            try (BranchLocks.Held ignored = locks.lock(project, List.of(name), List.of(parentName))) {
                Optional<CatalogModel.Branch> existing = findBranch(project, name);
                TimelineSpec spec;
                boolean replay = recorded(child).isPresent();
                if (replay) {
                    // Done already (a retry after a restart): the same command gets the catalog's first answer.
                    spec = forks.made(child, null).orElseThrow();
                } else if (existing.isPresent()) {
                    throw new ControlError.Conflict(
                            "ALREADY_EXISTS",
                            "project " + project + " already has a branch named " + name
                                    + "; choose another name or delete that branch first",
                            null);
                } else {
                    CatalogModel.Branch parent = catalog.getBranch(project, parentName);
                    checkRoomForBranch(project);
                    spec = forks.fork(parent, forks.forkPoint(parent, req.lsn(), req.time()), child);
                }
                CatalogModel.Branch b =
                        catalog.withRequestId(requestId).createBranch(project, name, parentName, spec, expires);
                LOG.info(
                        "branch {}/{} {} from {} at {} (timeline {})",
                        project,
                        name,
                        replay ? "answered as created" : "created",
                        parentName,
                        spec.forkLsn(),
                        spec.id().shortForm());
                return branch(b, false);
            }
        });
    }

    /**
     * Points the branch at a new fork of its parent's head; its compute (if running) restarts there.
     * Every refusal the catalog's state decides (not found, root, children, protected) comes before
     * anything is forked or stopped; the catalog's own check stays the authority ({@link #afterStop}).
     */
    public Views.Branch resetBranch(String requestId, String project, String name) {
        return call(() -> {
            try (BranchLocks.Held ignored = locks.lock(project, List.of(name), List.of())) {
                CatalogModel.Branch b = catalog.getBranch(project, name);
                String parentName = b.parent()
                        .orElseThrow(() -> new ControlError.Conflict(
                                "IS_ROOT",
                                "branch " + name
                                        + " is the project's root branch: it has no parent to reset to; use restore to go back in time",
                                null));
                CatalogModel.Branch parent = catalog.getBranch(project, parentName);
                TimelineId child = Forks.derivedId("reset", project + "/" + name, requestId);
                if (recorded(child).isPresent()) {
                    // Done already (a retry after a restart): the same command gets the catalog's first answer.
                    TimelineSpec done = forks.made(child, null).orElseThrow();
                    return branch(catalog.withRequestId(requestId).resetBranch(project, name, done), false);
                }
                if (catalog.listBranches(project).stream()
                        .anyMatch(c -> c.parent().orElse("").equals(name))) {
                    throw new ControlError.Conflict(
                            "HAS_CHILDREN",
                            "branch " + name + " has child branches; delete them"
                                    + " first (reset would leave them on history the branch no longer has)",
                            null);
                }
                if (b.isProtected()) {
                    // The catalog's own refusal, word for word: asked after the fork, it left that timeline behind.
                    throw new ControlError.Conflict(
                            "PROTECTED",
                            "branch " + name + " is protected and a reset discards its"
                                    + " changes; unprotect it first",
                            null);
                }
                TimelineSpec spec = forks.fork(parent, forks.forkPoint(parent, null, null), child);
                boolean wasRunning = computes.stop(project, name, b.timeline().id(), EndpointState.STOPPED, "reset");
                CatalogModel.Branch reset = afterStop(
                        project,
                        name,
                        wasRunning,
                        "reset",
                        () -> catalog.withRequestId(requestId).resetBranch(project, name, spec));
                if (wasRunning) {
                    computes.start(reset);
                    reset = catalog.getBranch(project, name);
                }
                LOG.info(
                        "branch {}/{} reset to {}'s head {} (timeline {})",
                        project,
                        name,
                        parentName,
                        spec.forkLsn(),
                        spec.id().shortForm());
                return branch(reset, false);
            }
        });
    }

    /** Points the branch at its own past (LSN or time); the old state stays as a backup branch. */
    public Views.Restored restoreBranch(String requestId, String project, String name, Views.Restore req) {
        return call(() -> {
            if ((req.lsn() == null) == (req.time() == null)) {
                throw ControlError.invalidArgument(
                        "give exactly one of lsn (e.g. \"0/3000028\") and time (ISO-8601, e.g."
                                + " \"2026-11-24T10:00:00Z\") to restore to");
            }
            try (BranchLocks.Held ignored = locks.lock(project, List.of(name), List.of())) {
                CatalogModel.Branch b = catalog.getBranch(project, name);
                TimelineId child = Forks.derivedId("restore", project + "/" + name, requestId);
                Optional<CatalogModel.Timeline> done = recorded(child);
                if (done.isPresent()) {
                    // Done already (a retry after a restart): the same command, with the backup that holds the
                    // old timeline, gets the catalog's first answer.
                    TimelineId old = done.get().parent().orElseThrow();
                    String backup = catalog.listBranches(project).stream()
                            .filter(x -> x.timeline().id().equals(old))
                            .map(CatalogModel.Branch::name)
                            .findFirst()
                            .orElseThrow(() -> new ControlError.Conflict(
                                    "REQUEST_ID_REUSED",
                                    "this Idempotency-Key restored branch " + name + " before, and the backup"
                                            + " branch of that restore is gone, so its answer cannot be repeated; use a new key to restore"
                                            + " again",
                                    null));
                    TimelineSpec spec = forks.made(child, null).orElseThrow();
                    return restored(catalog.withRequestId(requestId).restoreBranch(project, name, spec, backup), false);
                }
                // The catalog's refusals of a new backup branch come before the fork and the stop.
                String backup = CatalogClient.backupName(name, Instant.now());
                if (findBranch(project, backup).isPresent()) {
                    throw alreadyExists(project, backup);
                }
                checkRoomForBranch(project);
                TimelineSpec spec = forks.fork(b, forks.forkPoint(b, req.lsn(), req.time()), child);
                boolean wasRunning = computes.stop(project, name, b.timeline().id(), EndpointState.STOPPED, "restore");
                CatalogModel.Restored r = afterStop(
                        project,
                        name,
                        wasRunning,
                        "restore",
                        () -> catalog.withRequestId(requestId).restoreBranch(project, name, spec, backup));
                LOG.info(
                        "branch {}/{} restored to {} (timeline {}); previous state kept as {}",
                        project,
                        name,
                        spec.forkLsn(),
                        spec.id().shortForm(),
                        r.backup().name());
                return restored(r, wasRunning);
            }
        });
    }

    private Views.Restored restored(CatalogModel.Restored r, boolean restart) {
        CatalogModel.Branch restored = r.branch();
        if (restart) {
            computes.start(restored);
            restored = catalog.getBranch(restored.project(), restored.name());
        }
        return new Views.Restored(branch(restored, false), branch(r.backup(), false));
    }

    public Views.Branch updateBranch(String requestId, String project, String name, Views.UpdateBranch req) {
        return call(() -> {
            List<String> names = req.name() == null ? List.of(name) : List.of(name, req.name());
            try (BranchLocks.Held ignored = locks.lock(project, names, List.of())) {
                return update(requestId, project, name, req);
            }
        });
    }

    /**
     * The changes of a PATCH, one catalog command each. Every refusal that this process or the
     * catalog's state decides comes first, in the order of the fields, so a refused request changes
     * nothing (a refused name no longer leaves the branch protected). The expiry is written first:
     * the catalog alone decides by its clock whether it is in the future.
     */
    private Views.Branch update(String requestId, String project, String current, Views.UpdateBranch req) {
        CatalogModel.Branch b = catalog.getBranch(project, current);
        Instant expiry = req.expiresAt() == null || req.expiresAt().isEmpty()
                ? null
                : Forks.instant(req.expiresAt(), "expiresAt");
        if (expiry != null
                && expiry.isAfter(Instant.now())
                && (b.parent().isEmpty()
                        || current.equals(catalog.getProject(project).defaultBranch()))) {
            throw new ControlError.Conflict(
                    "IS_ROOT",
                    "branch " + current + " is the default or root branch of project " + project + " and cannot expire",
                    null);
        }
        if (req.idleTimeoutSeconds() != null) {
            checkIdleTimeout(current, req.idleTimeoutSeconds());
        }
        boolean rename = req.name() != null && !req.name().equals(current);
        if (rename) {
            checkName(CatalogLimits.BRANCH_NAME, req.name(), "branch");
            if (findBranch(project, req.name()).isPresent()) {
                throw alreadyExists(project, req.name());
            }
        }
        // One request id per change: the catalog refuses a reused id for a different command.
        if (req.expiresAt() != null) {
            b = catalog.withRequestId(requestId + ":expiry").setExpiry(project, current, expiry);
        }
        if (req.isProtected() != null) {
            b = catalog.withRequestId(requestId + ":protect").setProtected(project, current, req.isProtected());
        }
        if (req.idleTimeoutSeconds() != null) {
            b = catalog.withRequestId(requestId + ":idle")
                    .setIdleTimeout(project, current, Duration.ofSeconds(req.idleTimeoutSeconds()));
        }
        if (rename) {
            b = catalog.withRequestId(requestId + ":rename").renameBranch(project, current, req.name());
        }
        return branch(b, false);
    }

    /** This process's refusal of a negative idle timeout, and the catalog's of one above its limit (its words). */
    private static void checkIdleTimeout(String branch, long seconds) {
        if (seconds < 0) {
            throw ControlError.invalidArgument("idleTimeoutSeconds must be 0 (never suspend) or positive");
        }
        long sent = Math.min(Integer.MAX_VALUE, seconds); // as CatalogClient.setIdleTimeout sends it
        if (sent > CatalogLimits.IDLE_TIMEOUT_SECONDS_MAX) {
            throw new ControlError.InvalidArgument(
                    "INVALID_ARGUMENT",
                    "idle timeout " + sent + " s of branch " + branch + " is out of range 0.."
                            + CatalogLimits.IDLE_TIMEOUT_SECONDS_MAX + " (0 = never suspend)",
                    null);
        }
    }

    /**
     * Deletes the branch. A retry of a delete that was done (after a restart of this process, when
     * the branch is gone) sends the catalog the same command, which answers as it did the first time.
     */
    public Views.DeleteResult deleteBranch(String requestId, String project, String name) {
        return call(() -> {
            try (BranchLocks.Held ignored = locks.lock(project, List.of(name), List.of())) {
                Optional<CatalogModel.Branch> found = findBranch(project, name);
                if (found.isEmpty()) {
                    CatalogModel.Branch d = catalog.withRequestId(requestId).deleteBranch(project, name);
                    return new Views.DeleteResult(name, d.timeline().id().hex());
                }
                CatalogModel.Branch b = found.get();
                // Refusals (root, protected, children, default) come before anything is stopped.
                if (b.parent().isEmpty()) {
                    throw new ControlError.Conflict(
                            "IS_ROOT",
                            "branch " + name + " is the project's root branch and" + " cannot be deleted",
                            null);
                }
                if (b.isProtected()) {
                    throw new ControlError.Conflict(
                            "PROTECTED",
                            "branch " + name + " is protected; unprotect it first" + " (ramify branch protect " + name
                                    + " --off)",
                            null);
                }
                List<String> children = catalog.listBranches(project).stream()
                        .filter(c -> c.parent().orElse("").equals(name))
                        .map(CatalogModel.Branch::name)
                        .toList();
                if (!children.isEmpty()) {
                    throw new ControlError.Conflict(
                            "HAS_CHILDREN",
                            "branch " + name + " has child branches " + children + "; delete them first",
                            null);
                }
                if (name.equals(catalog.getProject(project).defaultBranch())) {
                    // A restored main has a parent (its backup) and is still the default: the catalog's refusal, its
                    // words.
                    throw new ControlError.Conflict(
                            "IS_ROOT",
                            "branch " + name + " is the default branch of project " + project
                                    + "; it goes only with the project",
                            null);
                }
                boolean wasRunning = computes.stop(null, null, b.timeline().id(), EndpointState.STOPPED, "deleted");
                CatalogModel.Branch d = afterStop(
                        project,
                        name,
                        wasRunning,
                        "delete",
                        () -> catalog.withRequestId(requestId).deleteBranch(project, name));
                LOG.info(
                        "branch {}/{} deleted (timeline {} tombstoned)",
                        project,
                        name,
                        d.timeline().id().shortForm());
                return new Views.DeleteResult(name, d.timeline().id().hex());
            }
        });
    }

    // ---- computes ----

    public Views.Branch startCompute(String project, String name) {
        return call(() -> {
            CatalogModel.Branch b = catalog.getBranch(project, name);
            computes.start(b); // a shard asked for a timeline it does not list yet lists at once
            return branch(catalog.getBranch(project, name), false);
        });
    }

    public Views.Branch stopCompute(String project, String name) {
        return call(() -> {
            CatalogModel.Branch b = catalog.getBranch(project, name);
            computes.stop(project, name, b.timeline().id(), EndpointState.STOPPED, "stopped on request");
            return branch(catalog.getBranch(project, name), false);
        });
    }

    public Views.Connection connection(String project, String name) {
        return call(() -> {
            CatalogModel.Branch b = catalog.getBranch(project, name);
            var e = b.endpoint();
            String host = e.host().isEmpty() ? config.computeHost() : e.host();
            int port = e.port();
            String direct = port == 0 || e.state() != EndpointState.RUNNING
                    ? ""
                    : "postgresql://postgres@" + host + ":" + port + "/postgres";
            String viaProxy = proxyAddress == null
                    ? null
                    : "postgresql://postgres@" + proxyAddress + "/postgres?options=endpoint%3D" + name + "." + project;
            return new Views.Connection(
                    viaProxy != null ? viaProxy : direct,
                    direct,
                    host,
                    port,
                    "postgres",
                    "postgres",
                    e.state().name());
        });
    }

    /** The running compute of a branch, for tools that talk to its Postgres (diff, tests). */
    /**
     * The control plane's metrics and every running compute's (its adapter's {@code adapter.*} and
     * its WAL client's {@code wal.client.*}), the latter labelled with project and branch, in the
     * Prometheus text format.
     */
    public String metricsText(com.codahale.metrics.MetricRegistry own) {
        Map<String, com.codahale.metrics.MetricRegistry> all = new java.util.HashMap<>();
        all.put("", own);
        for (ComputeManager.Running r : computes.all()) {
            all.put(
                    PrometheusText.label("project", r.project()) + "," + PrometheusText.label("branch", r.branch()),
                    r.compute().metrics());
        }
        return PrometheusText.render(all);
    }

    public Optional<ComputeManager.Running> runningCompute(String project, String name) {
        return computes.running(catalog.getBranch(project, name).timeline().id());
    }

    /**
     * Schema diff and storage diff of two branches (the parent by default); see {@link BranchDiff}.
     * Both computes are started if they are not running.
     */
    public Views.Diff diff(String project, String name, String against) {
        return call(() -> {
            CatalogModel.Branch b = catalog.getBranch(project, name);
            String otherName = against != null
                    ? against
                    : b.parent()
                            .orElseThrow(() -> ControlError.invalidArgument("branch " + name
                                    + " has no parent; name the branch to compare with (against=...)"));
            CatalogModel.Branch other = catalog.getBranch(project, otherName);
            return new BranchDiff(config, wal, pages, catalog, computes::start).diff(b, other);
        });
    }

    // ---- helpers ----

    /**
     * The catalog write of an operation that has forked and stopped the branch's compute. The checks
     * before the fork saw the catalog's state; the catalog checks again when it applies the command
     * and stays the authority, so a change in between (a protect or a new branch by another control
     * plane or a catalog client; this process's own operations on the name wait for {@link
     * BranchLocks}) or a reused request id is still refused. Then the compute, if it ran, starts again
     * on the branch's timeline, which the refused command left as it was. The forked timeline stays
     * in ratis-wal, which cannot delete one: no branch holds it and nothing runs on it, {@code
     * ListTimelines} lists it, and a retry with the same Idempotency-Key once the refusal is gone
     * records that very fork (its id comes from the key).
     */
    private <T> T afterStop(
            String project, String name, boolean wasRunning, String what, java.util.function.Supplier<T> write) {
        try {
            return write.get();
        } catch (CatalogException refused) {
            if (wasRunning) {
                try {
                    computes.start(catalog.getBranch(project, name));
                    LOG.info(
                            "the catalog refused the {} of {}/{} ({}); its compute runs again",
                            what,
                            project,
                            name,
                            refused.code());
                } catch (RuntimeException e) {
                    LOG.warn(
                            "the catalog refused the {} of {}/{} ({}), and its compute did not start again: {}",
                            what,
                            project,
                            name,
                            refused.code(),
                            e.getMessage());
                }
            }
            throw refused;
        }
    }

    /**
     * The catalog's refusal of one branch more than its limit, in its words, before anything is
     * forked (which a refusal after it would leave behind).
     */
    private void checkRoomForBranch(String project) {
        int have = catalog.listBranches(project).size();
        if (have + 1 > CatalogLimits.BRANCHES_PER_PROJECT_MAX) {
            throw new ControlError.LimitExceeded(
                    "LIMIT_EXCEEDED",
                    "project " + project + " has " + have + " branches; the" + " limit is "
                            + CatalogLimits.BRANCHES_PER_PROJECT_MAX + ": delete branches first",
                    null);
        }
    }

    /** The catalog's refusal of a branch name that is taken, in its words. */
    private static ControlError alreadyExists(String project, String name) {
        return new ControlError.Conflict(
                "ALREADY_EXISTS",
                "branch " + name + " already exists in project " + project + "; pick another name",
                null);
    }

    /** The timeline as the catalog records it (also as a tombstone); empty if it does not. */
    private Optional<CatalogModel.Timeline> recorded(TimelineId id) {
        try {
            return Optional.of(catalog.getTimeline(id));
        } catch (CatalogException e) {
            if (e.code() == io.ramify.catalog.proto.Rejection.Code.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private Optional<CatalogModel.Branch> findBranch(String project, String name) {
        try {
            return Optional.of(catalog.getBranch(project, name));
        } catch (CatalogException e) {
            if (e.code() == io.ramify.catalog.proto.Rejection.Code.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private static void checkName(java.util.regex.Pattern p, String name, String what) {
        if (!p.matcher(name).matches()) {
            throw new ControlError.InvalidArgument(
                    "INVALID_NAME",
                    "'" + name + "' is not a valid " + what
                            + " name: use " + p.pattern()
                            + (what.equals("project")
                                    ? " (lower-case letters, digits and '-', starting with a letter)"
                                    : " (letters, digits, '_', '.', '-', starting with a letter or digit, at most 63)"),
                    null);
        }
    }

    private static String require(String v, String field) {
        if (v == null || v.isEmpty()) {
            throw ControlError.invalidArgument("'" + field + "' is required");
        }
        return v;
    }

    private static Views.Project project(CatalogModel.Project p) {
        return new Views.Project(
                p.name(),
                p.pgVersion(),
                p.createdAt().toString(),
                p.historyWindow().toSeconds(),
                p.defaultBranch());
    }

    private Views.Branch branch(CatalogModel.Branch b, boolean withSizes) {
        return branch(b, withSizes ? sizes.now(b) : null);
    }

    /** The branch as the API shows it; {@code sizes} null for a view without sizes. */
    private static Views.Branch branch(CatalogModel.Branch b, BranchSizes.Sizes sizes) {
        var t = b.timeline();
        var e = b.endpoint();
        return new Views.Branch(
                b.project(),
                b.name(),
                b.parent().orElse(null),
                t.id().hex(),
                t.parent().map(TimelineId::hex).orElse(null),
                t.parent().isPresent() ? t.forkLsn().toString() : null,
                b.createdAt().toString(),
                b.isProtected(),
                b.expiresAt().map(Instant::toString).orElse(null),
                b.idleTimeout().toSeconds(),
                new Views.Compute(
                        e.state().name(),
                        e.host().isEmpty() ? null : e.host(),
                        e.port() == 0 ? null : e.port(),
                        e.message().isEmpty() ? null : e.message(),
                        e.updatedAt().map(Instant::toString).orElse(null)),
                sizes == null ? null : sizes.logicalBytes(),
                sizes == null ? null : sizes.ownedBytes(),
                sizes == null ? null : sizes.headLsn(),
                sizes == null ? null : sizes.at().toString());
    }

    /** The proxy's address, once it listens: connection strings then go through it. */
    public void setProxyAddress(String host, int port) {
        this.proxyAddress = host + ":" + port;
    }

    @Override
    public void close() throws java.io.IOException {
        computes.close();
        catalog.close();
        pages.close();
        wal.close();
    }
}

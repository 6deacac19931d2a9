package io.ramify.catalog.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.ramify.catalog.client.CatalogModel.Branch;
import io.ramify.catalog.client.CatalogModel.Expired;
import io.ramify.catalog.client.CatalogModel.Lease;
import io.ramify.catalog.client.CatalogModel.NewProject;
import io.ramify.catalog.client.CatalogModel.Project;
import io.ramify.catalog.client.CatalogModel.Restored;
import io.ramify.catalog.client.CatalogModel.Skipped;
import io.ramify.catalog.client.CatalogModel.Timeline;
import io.ramify.catalog.client.CatalogModel.TimelineSpec;
import io.ramify.catalog.proto.AcquireLease;
import io.ramify.catalog.proto.Command;
import io.ramify.catalog.proto.CreateBranch;
import io.ramify.catalog.proto.CreateProject;
import io.ramify.catalog.proto.DeleteBranch;
import io.ramify.catalog.proto.DeleteProject;
import io.ramify.catalog.proto.EndpointState;
import io.ramify.catalog.proto.ExpireBranches;
import io.ramify.catalog.proto.GetBranch;
import io.ramify.catalog.proto.GetLease;
import io.ramify.catalog.proto.GetProject;
import io.ramify.catalog.proto.GetTimeline;
import io.ramify.catalog.proto.ListBranches;
import io.ramify.catalog.proto.ListProjects;
import io.ramify.catalog.proto.ListTimelines;
import io.ramify.catalog.proto.ProjectList;
import io.ramify.catalog.proto.QueryRequest;
import io.ramify.catalog.proto.ReleaseLease;
import io.ramify.catalog.proto.RenameBranch;
import io.ramify.catalog.proto.RenewLease;
import io.ramify.catalog.proto.Reply;
import io.ramify.catalog.proto.ResetBranch;
import io.ramify.catalog.proto.RestoreBranch;
import io.ramify.catalog.proto.SetEndpoint;
import io.ramify.catalog.proto.SetExpiry;
import io.ramify.catalog.proto.SetIdleTimeout;
import io.ramify.catalog.proto.SetProtected;
import io.ramify.catalog.proto.TimelineList;
import io.ramify.catalog.proto.WriteRequest;
import io.ramify.common.Generation;
import io.ramify.common.TimelineId;
import io.ramify.raft.client.ClientSlot;
import io.ramify.wal.client.WalCluster;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.retry.ExponentialBackoffRetry;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.util.TimeDuration;

/**
 * The synchronous client of the branch catalog, for the REST API, the CLI and the control plane.
 * Every command gets a fresh request id (or the one given with {@link #withRequestId}); the id
 * travels with every retry, so the catalog applies a command at most once however often it is
 * sent. Commands go through the Raft log; queries are linearizable reads on the leader.
 *
 * <p>Failures: a refusal throws {@link CatalogException} with its code (nothing changed); a
 * catalog that does not answer within the bounded retries of {@link CatalogClientConfig} throws
 * {@link CatalogUnavailableException}, after which the command may or may not have been applied.
 * Thread-safe.
 */
public final class CatalogClient implements AutoCloseable {
    private static final DateTimeFormatter BACKUP_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    /** Listings page through at most this many replies (a million timelines of one project). */
    private static final int PAGES_MAX = 1_000;

    private final Connection conn;
    /** The request id every command of this view uses; null: a fresh one per command. */
    private final String fixedRequestId;

    private CatalogClient(Connection conn, String fixedRequestId) {
        this.conn = conn;
        this.fixedRequestId = fixedRequestId;
    }

    public static CatalogClient connect(WalCluster cluster, CatalogClientConfig config) {
        return new CatalogClient(new Connection(CatalogGroup.of(cluster), config), null);
    }

    /**
     * A view of this client whose commands all carry {@code requestId}: use it for one operation, to
     * retry it after {@link CatalogUnavailableException} (or with an idempotency key from a caller).
     * Closing the view does nothing; close the client it came from.
     */
    public CatalogClient withRequestId(String requestId) {
        if (!CatalogLimits.REQUEST_ID.matcher(requestId).matches()) {
            throw new IllegalArgumentException(
                    "request id must be 1..128 printable ASCII characters: '" + requestId + "'");
        }
        return new CatalogClient(conn, requestId);
    }

    public static String newRequestId() {
        return UUID.randomUUID().toString();
    }

    /** The conventional name of a restore's backup branch: {@code dev_old_20261124T014837Z}. */
    public static String backupName(String branch, Instant at) {
        String suffix = "_old_" + BACKUP_TIME.format(at);
        int room = 63 - suffix.length();
        return (branch.length() > room ? branch.substring(0, room) : branch) + suffix;
    }

    // ---- projects ----

    public NewProject createProject(String name, TimelineId rootTimeline, int walGroup) {
        return createProject(name, rootTimeline, walGroup, CatalogLimits.DEFAULT_HISTORY_WINDOW);
    }

    public NewProject createProject(String name, TimelineId rootTimeline, int walGroup, Duration historyWindow) {
        Reply r = command(Command.newBuilder()
                .setCreateProject(CreateProject.newBuilder()
                        .setName(name)
                        .setRootTimeline(id(rootTimeline))
                        .setWalGroup(walGroup)
                        .setPgVersion(CatalogLimits.PG_VERSION)
                        .setHistoryWindowMillis(historyWindow.toMillis())));
        return new NewProject(
                Project.of(r.getProjectCreated().getProject()),
                Branch.of(r.getProjectCreated().getRootBranch()));
    }

    /** Deletes every branch (refused while one is protected); returns the tombstoned timelines. */
    public List<Timeline> deleteProject(String name) {
        Reply r = command(
                Command.newBuilder().setDeleteProject(DeleteProject.newBuilder().setName(name)));
        return r.getProjectDeleted().getTombstonedList().stream()
                .map(Timeline::of)
                .toList();
    }

    public Project getProject(String name) {
        return Project.of(query(QueryRequest.newBuilder()
                        .setGetProject(GetProject.newBuilder().setName(name)))
                .getProject());
    }

    /** Every live project, by name. */
    public List<Project> listProjects() {
        List<Project> out = new ArrayList<>();
        String after = "";
        for (int page = 0; page < PAGES_MAX; page++) {
            ProjectList l = query(QueryRequest.newBuilder()
                            .setListProjects(ListProjects.newBuilder().setAfter(after)))
                    .getProjects();
            l.getProjectsList().forEach(p -> out.add(Project.of(p)));
            if (!l.getMore()) {
                return out;
            }
            after = l.getNextAfter();
        }
        throw new IllegalStateException("project listing did not end after " + PAGES_MAX + " pages");
    }

    // ---- branches ----

    /** A new branch whose timeline forks from the parent branch's current timeline. */
    public Branch createBranch(String project, String name, String parentBranch, TimelineSpec timeline) {
        return createBranch(project, name, parentBranch, timeline, null);
    }

    /** As above, deleted by {@link #expireBranches} once {@code expiresAt} (may be null) has passed. */
    public Branch createBranch(
            String project, String name, String parentBranch, TimelineSpec timeline, Instant expiresAt) {
        return branch(command(Command.newBuilder()
                .setCreateBranch(CreateBranch.newBuilder()
                        .setProject(project)
                        .setName(name)
                        .setParent(parentBranch)
                        .setTimeline(timeline.toProto())
                        .setExpiresAtMillis(expiresAt == null ? 0 : expiresAt.toEpochMilli()))));
    }

    /** Points the branch at a new timeline forked from its parent's; refused while it has children. */
    public Branch resetBranch(String project, String branch, TimelineSpec timeline) {
        return branch(command(Command.newBuilder()
                .setResetBranch(ResetBranch.newBuilder()
                        .setProject(project)
                        .setBranch(branch)
                        .setTimeline(timeline.toProto()))));
    }

    /**
     * Points the branch at a new timeline forked from its own old one; {@code backupName} (see
     * {@link #backupName}) keeps the old timeline, takes over its children, and becomes its parent.
     */
    public Restored restoreBranch(String project, String branch, TimelineSpec timeline, String backupName) {
        Reply r = command(Command.newBuilder()
                .setRestoreBranch(RestoreBranch.newBuilder()
                        .setProject(project)
                        .setBranch(branch)
                        .setTimeline(timeline.toProto())
                        .setBackupName(backupName)));
        return new Restored(
                Branch.of(r.getRestored().getBranch()),
                Branch.of(r.getRestored().getBackup()));
    }

    public Branch renameBranch(String project, String branch, String newName) {
        return branch(command(Command.newBuilder()
                .setRenameBranch(RenameBranch.newBuilder()
                        .setProject(project)
                        .setBranch(branch)
                        .setNewName(newName))));
    }

    public Branch setProtected(String project, String branch, boolean isProtected) {
        return branch(command(Command.newBuilder()
                .setSetProtected(SetProtected.newBuilder()
                        .setProject(project)
                        .setBranch(branch)
                        .setProtected(isProtected))));
    }

    /** Sets the expiry time, or clears it when {@code expiresAt} is null. */
    public Branch setExpiry(String project, String branch, Instant expiresAt) {
        return branch(command(Command.newBuilder()
                .setSetExpiry(SetExpiry.newBuilder()
                        .setProject(project)
                        .setBranch(branch)
                        .setExpiresAtMillis(expiresAt == null ? 0 : expiresAt.toEpochMilli()))));
    }

    /** Idle time after which the branch's compute is suspended; zero means never. */
    public Branch setIdleTimeout(String project, String branch, Duration idleTimeout) {
        return branch(command(Command.newBuilder()
                .setSetIdleTimeout(SetIdleTimeout.newBuilder()
                        .setProject(project)
                        .setBranch(branch)
                        .setIdleTimeoutSeconds((int) Math.min(Integer.MAX_VALUE, idleTimeout.toSeconds())))));
    }

    /** Deletes the branch and tombstones its timeline; returns it as it was, timeline tombstoned. */
    public Branch deleteBranch(String project, String branch) {
        return branch(command(Command.newBuilder()
                .setDeleteBranch(DeleteBranch.newBuilder().setProject(project).setBranch(branch))));
    }

    /** Deletes expired branches that can be deleted (by the catalog leader's clock). */
    public Expired expireBranches() {
        Reply r = command(Command.newBuilder().setExpireBranches(ExpireBranches.newBuilder()));
        var e = r.getExpired();
        return new Expired(
                e.getDeletedList().stream().map(Branch::of).toList(),
                e.getSkippedList().stream()
                        .map(s -> new Skipped(
                                s.getProject(),
                                s.getBranch(),
                                s.getReason().getCode(),
                                s.getReason().getMessage()))
                        .toList(),
                e.getMore());
    }

    public Branch setEndpoint(
            String project, String branch, String host, int port, EndpointState state, String message) {
        return branch(command(Command.newBuilder()
                .setSetEndpoint(SetEndpoint.newBuilder()
                        .setProject(project)
                        .setBranch(branch)
                        .setHost(host)
                        .setPort(port)
                        .setState(state)
                        .setMessage(message))));
    }

    public Branch getBranch(String project, String name) {
        return branch(query(QueryRequest.newBuilder()
                .setGetBranch(GetBranch.newBuilder().setProject(project).setName(name))));
    }

    /** Every branch of a project, by name, each with its timeline: the whole tree. */
    public List<Branch> listBranches(String project) {
        return query(QueryRequest.newBuilder()
                        .setListBranches(ListBranches.newBuilder().setProject(project)))
                .getBranches()
                .getBranchesList()
                .stream()
                .map(Branch::of)
                .toList();
    }

    // ---- timelines ----

    /** A timeline, also when it is a tombstone. */
    public Timeline getTimeline(TimelineId id) {
        return Timeline.of(query(QueryRequest.newBuilder()
                        .setGetTimeline(GetTimeline.newBuilder().setId(id(id))))
                .getTimeline());
    }

    /** Every timeline of a project (also of a deleted one), tombstones included, by id. */
    public List<Timeline> listTimelines(String project) {
        List<Timeline> out = new ArrayList<>();
        ByteString after = ByteString.EMPTY;
        for (int page = 0; page < PAGES_MAX; page++) {
            TimelineList l = query(QueryRequest.newBuilder()
                            .setListTimelines(ListTimelines.newBuilder()
                                    .setProject(project)
                                    .setAfter(after)))
                    .getTimelines();
            l.getTimelinesList().forEach(t -> out.add(Timeline.of(t)));
            if (!l.getMore() || l.getTimelinesCount() == 0) {
                return out;
            }
            after = l.getTimelines(l.getTimelinesCount() - 1).getId();
        }
        throw new IllegalStateException(
                "timeline listing of " + project + " did not end after " + PAGES_MAX + " pages");
    }

    // ---- leases ----

    /** Takes the timeline's next generation, fencing any earlier holder. */
    public Lease acquireLease(TimelineId timeline, String holder, Duration ttl) {
        return acquire(timeline, holder, ttl, false);
    }

    /** As {@link #acquireLease}, but refused ({@code LEASE_HELD}) while another holder's lease is live. */
    public Lease acquireLeaseIfFree(TimelineId timeline, String holder, Duration ttl) {
        return acquire(timeline, holder, ttl, true);
    }

    private Lease acquire(TimelineId timeline, String holder, Duration ttl, boolean onlyIfFree) {
        return Lease.of(command(Command.newBuilder()
                        .setAcquireLease(AcquireLease.newBuilder()
                                .setTimeline(id(timeline))
                                .setHolder(holder)
                                .setTtlMillis(ttl.toMillis())
                                .setOnlyIfFree(onlyIfFree)))
                .getLease());
    }

    /** Extends the lease; refused ({@code STALE_LEASE}) once a newer generation was acquired. */
    public Lease renewLease(TimelineId timeline, Generation generation, Duration ttl) {
        return Lease.of(command(Command.newBuilder()
                        .setRenewLease(RenewLease.newBuilder()
                                .setTimeline(id(timeline))
                                .setGeneration(generation.value())
                                .setTtlMillis(ttl.toMillis())))
                .getLease());
    }

    public Lease releaseLease(TimelineId timeline, Generation generation) {
        return Lease.of(command(Command.newBuilder()
                        .setReleaseLease(ReleaseLease.newBuilder()
                                .setTimeline(id(timeline))
                                .setGeneration(generation.value())))
                .getLease());
    }

    /** The timeline's lease record; generation 0 when it was never leased. */
    public Lease getLease(TimelineId timeline) {
        return Lease.of(query(QueryRequest.newBuilder()
                        .setGetLease(GetLease.newBuilder().setTimeline(id(timeline))))
                .getLease());
    }

    // ---- plumbing ----

    private static ByteString id(TimelineId tl) {
        return ByteString.copyFrom(tl.toBytes());
    }

    private static Branch branch(Reply r) {
        return Branch.of(r.getBranch());
    }

    private Reply command(Command.Builder c) {
        String requestId = fixedRequestId != null ? fixedRequestId : newRequestId();
        WriteRequest req =
                WriteRequest.newBuilder().setRequestId(requestId).setCommand(c).build();
        return conn.call(req.toByteArray(), false, c.getKindCase() + " (request " + requestId + ")", requestId);
    }

    private Reply query(QueryRequest.Builder q) {
        return conn.call(q.build().toByteArray(), true, q.getKindCase().toString(), null);
    }

    /** Closes the connection; a view made by {@link #withRequestId} leaves it open. */
    @Override
    public void close() throws IOException {
        if (fixedRequestId == null) {
            conn.close();
        }
    }

    /** One Ratis client to the catalog group, replaced when Ratis has closed it ({@link ClientSlot}). */
    private static final class Connection implements AutoCloseable {
        private final RaftGroup group;
        private final CatalogClientConfig config;
        private final RaftProperties properties = new RaftProperties();
        private final RetryPolicy retry;
        private final ClientSlot raft;

        Connection(RaftGroup group, CatalogClientConfig config) {
            this.group = group;
            this.config = config;
            RaftClientConfigKeys.Rpc.setRequestTimeout(
                    properties, TimeDuration.valueOf(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS));
            this.retry = ExponentialBackoffRetry.newBuilder()
                    .setBaseSleepTime(TimeDuration.valueOf(config.backoffBase().toMillis(), TimeUnit.MILLISECONDS))
                    .setMaxSleepTime(TimeDuration.valueOf(config.backoffMax().toMillis(), TimeUnit.MILLISECONDS))
                    .setMaxAttempts(config.attemptsPerRound())
                    .build();
            this.raft = new ClientSlot(this::newRaftClient);
        }

        private RaftClient newRaftClient() {
            return RaftClient.newBuilder()
                    .setProperties(properties)
                    .setRaftGroup(group)
                    .setRetryPolicy(retry)
                    .build();
        }

        /**
         * Sends {@code message} in up to {@code rounds} rounds, each with Ratis's own bounded retries.
         * A refusal is thrown as {@link CatalogException}, never retried.
         */
        Reply call(byte[] message, boolean readOnly, String what, String requestId) {
            Message m = Message.valueOf(org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFrom(message));
            Exception last = null;
            for (int round = 1; round <= config.rounds(); round++) {
                RaftClient c = raft.get();
                try {
                    RaftClientReply r = readOnly ? c.io().sendReadOnly(m) : c.io().send(m);
                    if (r.isSuccess()) {
                        return unwrap(r);
                    }
                    last = r.getException();
                } catch (AlreadyClosedException e) {
                    raft.replaceIfClosed(c, e);
                    last = e;
                } catch (IOException e) {
                    last = e;
                }
                if (round < config.rounds()) {
                    pause(config.backoffMax(), what, requestId);
                }
            }
            throw new CatalogUnavailableException(
                    "the catalog did not answer " + what + " after " + config.rounds() + " rounds of "
                            + config.attemptsPerRound() + " attempts: " + last,
                    requestId,
                    last);
        }

        private static Reply unwrap(RaftClientReply r) {
            Reply reply;
            try {
                reply = Reply.parseFrom(r.getMessage().getContent().toByteArray());
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("the catalog sent a reply that does not parse", e);
            }
            if (reply.hasRejected()) {
                throw new CatalogException(
                        reply.getRejected().getCode(), reply.getRejected().getMessage());
            }
            return reply;
        }

        private static void pause(Duration d, String what, String requestId) {
            try {
                Thread.sleep(d.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CatalogUnavailableException("interrupted while retrying " + what, requestId, e);
            }
        }

        @Override
        public void close() throws IOException {
            raft.get().close();
        }
    }
}

package io.ramify.catalog.client;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Limits and name rules that are part of the catalog's contract: the state machine enforces them
 * identically on every replica (so they are constants, not settings), and clients can check input
 * against them before sending it.
 */
public final class CatalogLimits {
    /** Project names: lower-case, start with a letter, at most 40 characters. */
    public static final Pattern PROJECT_NAME = Pattern.compile("[a-z][a-z0-9-]{0,39}");
    /** Branch names: letters, digits, '_', '.', '-'; start with a letter or digit; at most 63. */
    public static final Pattern BRANCH_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
    /** The branch every project starts with, on its root timeline. */
    public static final String DEFAULT_BRANCH = "main";
    /** The only Postgres major version computes run. */
    public static final int PG_VERSION = 15;

    /** Projects one catalog holds, deleted ones included (their names are never reused). */
    public static final int PROJECTS_MAX = 10_000;
    /** Live branches per project; commands load a project's branches to check the tree. */
    public static final int BRANCHES_PER_PROJECT_MAX = 1_000;
    /** Most projects or timelines one listing returns. */
    public static final int LISTED_MAX = 1_000;

    public static final Duration DEFAULT_HISTORY_WINDOW = Duration.ofHours(24);
    public static final Duration MIN_HISTORY_WINDOW = Duration.ofMinutes(1);
    public static final Duration HISTORY_WINDOW_MAX = Duration.ofDays(30);

    /** Idle timeout of a new branch; the root branch never suspends (0). */
    public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 300;

    public static final int IDLE_TIMEOUT_SECONDS_MAX = 7 * 24 * 3600;

    public static final Duration MIN_LEASE_TTL = Duration.ofSeconds(1);
    public static final Duration LEASE_TTL_MAX = Duration.ofHours(1);
    public static final int HOLDER_CHARS_MAX = 200;
    public static final int HOST_CHARS_MAX = 253;
    public static final int MESSAGE_CHARS_MAX = 1_000;
    /** Highest ratis-wal group index plus one (a WalCluster hosts at most 64 groups). */
    public static final int WAL_GROUPS_MAX = 64;

    /** Request ids: printable ASCII without spaces, 1..128 characters (a UUID is 36). */
    public static final Pattern REQUEST_ID = Pattern.compile("[\\x21-\\x7e]{1,128}");
    /** Request ids remembered, with their results, for idempotent retries: at most this many... */
    public static final int REQUEST_IDS_RETAINED = 100_000;
    /** ...and at most this long (by the leader's clock) once older entries are evicted. */
    public static final Duration REQUEST_ID_RETENTION = Duration.ofHours(24);
    /** Old request ids evicted by one command at most, so one apply stays short. */
    public static final int REQUEST_ID_EVICTIONS_PER_COMMAND = 16;

    /** Branches one ExpireBranches deletes at most, and expiry-index entries it reads at most. */
    public static final int EXPIRED_PER_COMMAND_MAX = 100;

    public static final int EXPIRY_SCAN_MAX = 1_000;

    private CatalogLimits() {}
}

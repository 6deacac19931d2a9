package io.ramify.catalog.core;

import com.google.protobuf.ByteString;
import io.ramify.catalog.client.CatalogLimits;
import io.ramify.catalog.proto.Rejection.Code;
import io.ramify.catalog.proto.TimelineRecord;
import io.ramify.catalog.proto.TimelineSpec;
import io.ramify.common.Lsn;
import io.ramify.common.TimelineId;
import java.time.Duration;
import java.time.Instant;

/** Validation of command fields, each refusal naming the field, the value and the rule. */
final class Check {
    private Check() {}

    static String projectName(String name) throws Rejected {
        if (!CatalogLimits.PROJECT_NAME.matcher(name).matches()) {
            throw new Rejected(
                    Code.INVALID_NAME,
                    "project name '" + shorten(name) + "' is not valid: use 1 to 40 "
                            + "lower-case letters, digits and '-', starting with a letter");
        }
        return name;
    }

    /** {@code what} says which name it is: "branch", "parent branch", "backup branch", "new name". */
    static String branchName(String name, String what) throws Rejected {
        if (!CatalogLimits.BRANCH_NAME.matcher(name).matches()) {
            throw new Rejected(
                    Code.INVALID_NAME,
                    what + " name '" + shorten(name) + "' is not valid: use 1 to 63 "
                            + "letters, digits, '_', '.' and '-', starting with a letter or digit");
        }
        return name;
    }

    static TimelineId timelineId(ByteString b, String what) throws Rejected {
        if (b.size() != 16) {
            throw new Rejected(Code.MALFORMED, what + " must be 16 bytes, got " + b.size());
        }
        return TimelineId.fromBytes(b.toByteArray());
    }

    static int walGroup(int g) throws Rejected {
        if (g < 0 || g >= CatalogLimits.WAL_GROUPS_MAX) {
            throw new Rejected(
                    Code.INVALID_ARGUMENT,
                    "WAL group " + Integer.toUnsignedString(g) + " is out of range 0.."
                            + (CatalogLimits.WAL_GROUPS_MAX - 1));
        }
        return g;
    }

    /** A timeline id the catalog has never recorded (ids are never reused, tombstones included). */
    static TimelineId newTimelineId(Store s, ByteString b) throws Rejected {
        TimelineId id = timelineId(b, "new timeline id");
        TimelineRecord t = s.timeline(id);
        if (t != null) {
            throw new Rejected(
                    Code.ALREADY_EXISTS,
                    "timeline " + id + " already exists in project " + t.getProject() + "; choose a new random id");
        }
        return id;
    }

    /**
     * The record of a new timeline forked from {@code parent} as {@code spec} says. The fork LSN must
     * be at or above the parent's own fork LSN: below it the parent has no WAL of its own.
     */
    static TimelineRecord fork(Store s, String project, TimelineSpec spec, TimelineRecord parent) throws Rejected {
        TimelineId id = newTimelineId(s, spec.getId());
        walGroup(spec.getWalGroup());
        if (spec.getForkLsn() < 0 || spec.getForkCut() < 0) {
            throw new Rejected(
                    Code.INVALID_ARGUMENT,
                    "fork LSN and cut of new timeline " + id + " must be below 2^63, got "
                            + Long.toUnsignedString(spec.getForkLsn()) + " and "
                            + Long.toUnsignedString(spec.getForkCut()));
        }
        if (spec.getForkLsn() == 0) {
            throw new Rejected(
                    Code.INVALID_ARGUMENT,
                    "new timeline " + id + " needs a fork LSN: the end of a WAL record " + "of its parent timeline "
                            + TimelineId.fromBytes(parent.getId().toByteArray()));
        }
        if (spec.getForkLsn() < parent.getForkLsn()) {
            throw new Rejected(
                    Code.INVALID_ARGUMENT,
                    "fork LSN " + lsn(spec.getForkLsn()) + " of new timeline " + id
                            + " is below its parent timeline's own fork LSN " + lsn(parent.getForkLsn())
                            + "; history before that belongs to the parent's parent: branch from there instead");
        }
        return TimelineRecord.newBuilder()
                .setId(spec.getId())
                .setProject(project)
                .setParent(parent.getId())
                .setForkLsn(spec.getForkLsn())
                .setForkCut(spec.getForkCut())
                .setWalGroup(spec.getWalGroup())
                .setCreatedAtMillis(s.now())
                .build();
    }

    /** An expiry time: 0 (none) or later than the leader's clock. */
    static long expiry(long atMillis, long now, String branch) throws Rejected {
        if (atMillis != 0 && atMillis <= now) {
            throw new Rejected(
                    Code.INVALID_ARGUMENT,
                    "expiry " + time(atMillis) + " of branch " + branch
                            + " is not in the future (the catalog's clock says " + time(now) + ")");
        }
        return atMillis;
    }

    static String text(String value, int maxChars, String what) throws Rejected {
        if (value.length() > maxChars) {
            throw new Rejected(
                    Code.INVALID_ARGUMENT,
                    what + " is " + value.length() + " characters long; at most " + maxChars + " are allowed");
        }
        return value;
    }

    static Duration ttl(long millis) throws Rejected {
        if (millis < CatalogLimits.MIN_LEASE_TTL.toMillis() || millis > CatalogLimits.LEASE_TTL_MAX.toMillis()) {
            throw new Rejected(
                    Code.INVALID_ARGUMENT,
                    "lease TTL " + millis + " ms is out of range " + CatalogLimits.MIN_LEASE_TTL.toMillis() + ".."
                            + CatalogLimits.LEASE_TTL_MAX.toMillis() + " ms");
        }
        return Duration.ofMillis(millis);
    }

    static String lsn(long value) {
        return Lsn.of(value).toString();
    }

    static String time(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }

    private static String shorten(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }
}

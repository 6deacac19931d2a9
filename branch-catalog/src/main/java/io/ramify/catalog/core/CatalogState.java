package io.ramify.catalog.core;

import io.ramify.catalog.proto.Command;
import io.ramify.catalog.proto.Rejection.Code;
import io.ramify.catalog.proto.Reply;
import io.ramify.catalog.proto.WriteRequest;
import io.ramify.kv.Writes;

/**
 * The pure core of the catalog: applies one committed command to the state it reads through
 * {@link Writes} and records the changes there. It does no I/O of its own and takes the clock from
 * the leader's stamp in the request, so every replica computes the same result. A refused command
 * is a reply with a {@code Rejection} and leaves writes the caller must drop; a broken invariant
 * throws and stops the replica.
 *
 * <p>Every command carries a request id; a command whose id was applied before is answered with
 * the first result, marked duplicate, and changes nothing ({@link RequestLog}).
 */
public final class CatalogState {
    private final RequestLog.Limits limits;

    CatalogState(RequestLog.Limits limits) {
        this.limits = limits;
    }

    /** The catalog as every replica runs it, with the contract's request-log limits. */
    public static CatalogState standard() {
        return new CatalogState(RequestLog.Limits.DEFAULT);
    }

    /** Applies {@code req}; when the reply is a rejection the caller must drop {@code w}. */
    public Reply apply(WriteRequest req, Writes w) {
        try {
            String id = RequestLog.checkId(req.getRequestId());
            Command c = req.getCommand();
            if (c.getKindCase() == Command.KindCase.KIND_NOT_SET) {
                throw new Rejected(Code.MALFORMED, "request " + id + " names no command");
            }
            Store s = Store.forCommand(w, req.getLeaderTimeMillis());
            byte[] digest = RequestLog.digest(c);
            Reply earlier = RequestLog.earlier(s, id, digest);
            if (earlier != null) {
                return earlier.toBuilder().setDuplicate(true).build();
            }
            Reply r = dispatch(c, s);
            RequestLog.record(s, id, digest, r, limits);
            return r;
        } catch (Rejected r) {
            return r.toReply();
        }
    }

    private static Reply dispatch(Command c, Store s) throws Rejected {
        return switch (c.getKindCase()) {
            case CREATE_PROJECT -> Projects.create(c.getCreateProject(), s);
            case DELETE_PROJECT -> Projects.delete(c.getDeleteProject(), s);
            case CREATE_BRANCH -> Branches.create(c.getCreateBranch(), s);
            case RESET_BRANCH -> Branches.reset(c.getResetBranch(), s);
            case RESTORE_BRANCH -> Branches.restore(c.getRestoreBranch(), s);
            case RENAME_BRANCH -> Branches.rename(c.getRenameBranch(), s);
            case DELETE_BRANCH -> Branches.delete(c.getDeleteBranch(), s);
            case EXPIRE_BRANCHES -> Expiry.expire(c.getExpireBranches(), s);
            case SET_PROTECTED -> BranchSettings.setProtected(c.getSetProtected(), s);
            case SET_EXPIRY -> BranchSettings.setExpiry(c.getSetExpiry(), s);
            case SET_IDLE_TIMEOUT -> BranchSettings.setIdleTimeout(c.getSetIdleTimeout(), s);
            case SET_ENDPOINT -> BranchSettings.setEndpoint(c.getSetEndpoint(), s);
            case ACQUIRE_LEASE -> Leases.acquire(c.getAcquireLease(), s);
            case RENEW_LEASE -> Leases.renew(c.getRenewLease(), s);
            case RELEASE_LEASE -> Leases.release(c.getReleaseLease(), s);
            case KIND_NOT_SET -> throw new Rejected(Code.MALFORMED, "request names no command");
        };
    }

    public static Reply malformed(String message) {
        return new Rejected(Code.MALFORMED, message).toReply();
    }
}

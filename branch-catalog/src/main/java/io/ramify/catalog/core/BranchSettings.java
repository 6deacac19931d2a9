package io.ramify.catalog.core;

import io.ramify.catalog.client.CatalogLimits;
import io.ramify.catalog.proto.BranchRecord;
import io.ramify.catalog.proto.Endpoint;
import io.ramify.catalog.proto.EndpointState;
import io.ramify.catalog.proto.ProjectRecord;
import io.ramify.catalog.proto.Rejection.Code;
import io.ramify.catalog.proto.Reply;
import io.ramify.catalog.proto.SetEndpoint;
import io.ramify.catalog.proto.SetExpiry;
import io.ramify.catalog.proto.SetIdleTimeout;
import io.ramify.catalog.proto.SetProtected;

/** Commands that change one branch's settings and never the tree. */
final class BranchSettings {
    private BranchSettings() {}

    static Reply setProtected(SetProtected c, Store s) throws Rejected {
        BranchRecord b = branch(s, c.getProject(), c.getBranch());
        return save(s, b.toBuilder().setProtected(c.getProtected()).build());
    }

    static Reply setExpiry(SetExpiry c, Store s) throws Rejected {
        ProjectRecord p = s.liveProject(c.getProject());
        BranchRecord b = s.existingBranch(p.getName(), c.getBranch(), "branch");
        long at = Check.expiry(c.getExpiresAtMillis(), s.now(), b.getName());
        if (at != 0
                && (b.getName().equals(p.getDefaultBranch()) || b.getParent().isEmpty())) {
            throw new Rejected(
                    Code.IS_ROOT,
                    "branch " + b.getName() + " is the default or root branch of project " + p.getName()
                            + " and cannot expire");
        }
        return save(s, b.toBuilder().setExpiresAtMillis(at).build());
    }

    static Reply setIdleTimeout(SetIdleTimeout c, Store s) throws Rejected {
        BranchRecord b = branch(s, c.getProject(), c.getBranch());
        int t = c.getIdleTimeoutSeconds();
        if (t < 0 || t > CatalogLimits.IDLE_TIMEOUT_SECONDS_MAX) {
            throw new Rejected(
                    Code.INVALID_ARGUMENT,
                    "idle timeout " + Integer.toUnsignedString(t) + " s of branch " + b.getName()
                            + " is out of range 0.." + CatalogLimits.IDLE_TIMEOUT_SECONDS_MAX + " (0 = never suspend)");
        }
        return save(s, b.toBuilder().setIdleTimeoutSeconds(t).build());
    }

    /** Records where the branch's compute listens and its state; the state must move legally. */
    static Reply setEndpoint(SetEndpoint c, Store s) throws Rejected {
        BranchRecord b = branch(s, c.getProject(), c.getBranch());
        Check.text(c.getHost(), CatalogLimits.HOST_CHARS_MAX, "endpoint host");
        Check.text(c.getMessage(), CatalogLimits.MESSAGE_CHARS_MAX, "endpoint message");
        if (c.getPort() < 0 || c.getPort() > 65535) {
            throw new Rejected(
                    Code.INVALID_ARGUMENT,
                    "endpoint port " + Integer.toUnsignedString(c.getPort()) + " of branch " + b.getName()
                            + " is out of range 0..65535");
        }
        if (c.getState() == EndpointState.ENDPOINT_STATE_UNSPECIFIED || c.getState() == EndpointState.UNRECOGNIZED) {
            throw new Rejected(
                    Code.INVALID_ARGUMENT,
                    "endpoint state of branch " + b.getName() + " must be one of "
                            + "STOPPED, STARTING, RUNNING, SUSPENDED, FAILED");
        }
        EndpointState from = b.hasEndpoint() ? b.getEndpoint().getState() : EndpointState.STOPPED;
        EndpointStates.check(b.getName(), from, c.getState());
        Endpoint e = Endpoint.newBuilder()
                .setHost(c.getHost())
                .setPort(c.getPort())
                .setState(c.getState())
                .setMessage(c.getMessage())
                .setUpdatedAtMillis(s.now())
                .build();
        return save(s, b.toBuilder().setEndpoint(e).build());
    }

    private static BranchRecord branch(Store s, String project, String name) throws Rejected {
        return s.existingBranch(s.liveProject(project).getName(), name, "branch");
    }

    private static Reply save(Store s, BranchRecord b) {
        s.putBranch(b);
        return Reply.newBuilder().setBranch(s.info(b)).build();
    }
}

package io.ramify.raft.client;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;

/**
 * One Ratis client to one Raft group, replaced when Ratis has closed it. Ratis closes a client's
 * ordered window for good once a request used up its retries (for example while the cluster was
 * starting), and every later call on it fails; a process that keeps its client must then make a
 * new one, and it should make exactly one even when several callers see the failure at once.
 */
public final class ClientSlot implements AutoCloseable {
    private final Supplier<RaftClient> factory;
    private final AtomicReference<RaftClient> current = new AtomicReference<>();

    /** @param factory makes a client to the group, with the caller's properties and retry policy */
    public ClientSlot(Supplier<RaftClient> factory) {
        this.factory = factory;
        current.set(factory.get());
    }

    /** The client to use now; pass it back to {@link #replaceIfClosed} if a call on it failed. */
    public RaftClient get() {
        return current.get();
    }

    /**
     * If {@code cause} (or one of its causes) says Ratis closed {@code used}, puts a fresh client in
     * its place, unless another caller already did, and closes the one that lost. Returns whether
     * {@code used} was found closed.
     */
    public boolean replaceIfClosed(RaftClient used, Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof AlreadyClosedException) {
                RaftClient fresh = factory.get();
                closeQuietly(current.compareAndSet(used, fresh) ? used : fresh);
                return true;
            }
        }
        return false;
    }

    private static void closeQuietly(RaftClient c) {
        try {
            c.close();
        } catch (IOException | RuntimeException e) {
            // closed by Ratis already, or never used: nothing left to release
        }
    }

    @Override
    public void close() throws IOException {
        current.get().close();
    }
}

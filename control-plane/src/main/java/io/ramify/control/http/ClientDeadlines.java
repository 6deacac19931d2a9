package io.ramify.control.http;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the JDK HTTP server's exchanges, each on its own virtual thread, and cuts off a client that
 * is too slow to send its request or to take its answer.
 *
 * <p>Why: the JDK server reads the request line, the headers and the body on the thread that runs
 * the exchange. With a fixed pool, sixteen clients that send half a request held every worker, and
 * the API (health included) stopped. A virtual thread per exchange costs a parked continuation per
 * slow client instead; the work itself is limited elsewhere ({@link Workers}). The deadline is ours
 * rather than the JDK's {@code sun.net.httpserver.maxReqTime}, which is read once when the JDK's
 * server classes load: any other HTTP server started earlier in the process (the page store's and
 * ratis-wal's ops servers) would freeze it unset.
 *
 * <p>How: a timer interrupts the exchange's thread when its deadline passes; a thread blocked in a
 * read or write of the connection's channel (an interruptible channel) then has the channel closed
 * under it, so the client is disconnected and the exchange ends with an exception the JDK handles
 * by closing the connection. The clock runs from the first byte of the request until the body is
 * read ({@link #requestRead}), is stopped while the handler works (operations have their own
 * bounds), and runs again while the answer is written ({@link #writing}).
 */
final class ClientDeadlines implements AutoCloseable {
    /** From a request's first byte to its last; a client on any real network sends 1 MiB faster. */
    static final Duration REQUEST_READ_MAX = Duration.ofSeconds(10);
    /** Writing an answer (at most a few MiB of JSON) to a client that does not read it. */
    static final Duration RESPONSE_WRITE_MAX = Duration.ofSeconds(30);

    private static final ScopedValue<Guard> CURRENT = ScopedValue.newInstance();

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ClientDeadlines.class);

    private final Duration readMax;
    private final com.codahale.metrics.Counter cut;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "api-deadlines");
        t.setDaemon(true);
        return t;
    });
    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("api-", 0).factory());

    /** {@code cut} counts the clients cut off. */
    ClientDeadlines(Duration readMax, com.codahale.metrics.Counter cut) {
        this.readMax = readMax;
        this.cut = cut;
    }

    /** The executor for {@code HttpServer.setExecutor}: one guarded virtual thread per exchange. */
    Executor executor() {
        return exchange -> threads.execute(() -> {
            Guard g = new Guard(Thread.currentThread());
            g.arm(readMax);
            try {
                ScopedValue.where(CURRENT, g).run(exchange);
            } finally {
                g.disarm();
                if (g.cutOff) {
                    cut.inc();
                    LOG.info(
                            "a client was cut off: it did not send its request within {} s or take its answer within {} s",
                            readMax.toSeconds(),
                            RESPONSE_WRITE_MAX.toSeconds());
                }
            }
        });
    }

    /**
     * The request has been read: its clock stops. Throws when the deadline passed already (the
     * connection is closed then).
     */
    static void requestRead() throws IOException {
        if (CURRENT.isBound() && CURRENT.get().disarm()) {
            throw new SlowClientException("the client took longer than the request deadline to send its request");
        }
    }

    /** The answer is about to be written: its clock starts. */
    static void writing() {
        if (CURRENT.isBound()) {
            CURRENT.get().arm(RESPONSE_WRITE_MAX);
        }
    }

    /** The answer is written: the clock stops. */
    static void done() {
        if (CURRENT.isBound()) {
            CURRENT.get().disarm();
        }
    }

    /** The client was cut off for being too slow. */
    static final class SlowClientException extends IOException {
        SlowClientException(String message) {
            super(message);
        }
    }

    /** The deadline of one exchange; a generation number keeps a stale timer from firing. */
    private final class Guard {
        private final Thread thread;
        private long generation;
        private ScheduledFuture<?> pending;
        private boolean fired;
        /** Set once the deadline fired; read by the exchange's thread after it ended. */
        private volatile boolean cutOff;

        Guard(Thread thread) {
            this.thread = thread;
        }

        synchronized void arm(Duration d) {
            long g = ++generation;
            pending = timer.schedule(() -> fire(g), d.toMillis(), TimeUnit.MILLISECONDS);
        }

        private synchronized void fire(long g) {
            if (g == generation && pending != null) {
                fired = true;
                cutOff = true;
                thread.interrupt();
            }
        }

        /** Stops the clock (called by the exchange's own thread); true if it had fired. */
        synchronized boolean disarm() {
            generation++;
            if (pending != null) {
                pending.cancel(false);
                pending = null;
            }
            boolean f = fired;
            fired = false;
            if (f) {
                Thread.interrupted(); // the flag belongs to the cut-off exchange, not to what runs next
            }
            return f;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        threads.shutdownNow();
    }
}

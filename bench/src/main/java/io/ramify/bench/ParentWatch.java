package io.ramify.bench;

import java.io.IOException;

/**
 * For the server processes a benchmark starts (ratis-wal nodes, shards, bare Ratis nodes): each
 * ends when the benchmark exits, however it exits (Ctrl-C, kill -9, a crash). Before this, a
 * killed benchmark left five JVMs running.
 */
public final class ParentWatch {
    private ParentWatch() {}

    /**
     * Blocks until standard input ends, then exits the process: for a process whose standard input
     * is a pipe whose other end only the benchmark holds ({@link io.ramify.bench.floor.FloorNode}).
     */
    public static void exitWhenParentExits() throws IOException {
        while (System.in.read() >= 0) {
            // the benchmark never writes; anything it did is ignored
        }
        gone();
    }

    /**
     * Returns at once; exits the process (running its shutdown hooks, so a server closes cleanly)
     * once the process that started it has ended: for a process whose standard input is not the
     * benchmark's (the local-cluster fixture gives its parts /dev/null). The JDK notices a
     * non-child's exit by polling, within seconds.
     */
    public static void exitWithParent() {
        ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(ParentWatch::gone));
    }

    private static void gone() {
        System.err.println("the benchmark that started this process is gone: exiting");
        System.exit(0);
    }
}

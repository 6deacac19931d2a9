package io.ramify.bench;

import java.io.IOException;

/**
 * For the server processes a benchmark starts (ratis-wal nodes, shards, catalog nodes): their
 * standard input is a pipe whose other end only the benchmark holds, so it ends when the
 * benchmark exits, however it exits (Ctrl-C, kill -9, a crash). Before this, a killed benchmark
 * left five JVMs running.
 */
public final class ParentWatch {
  private ParentWatch() {}

  /** Blocks until standard input ends, then exits the process. */
  public static void exitWhenParentExits() throws IOException {
    while (System.in.read() >= 0) {
      // the benchmark never writes; anything it did is ignored
    }
    System.err.println("the benchmark that started this process is gone: exiting");
    System.exit(0);
  }
}

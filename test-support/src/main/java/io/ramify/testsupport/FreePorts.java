package io.ramify.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free TCP ports on the loopback interface, for servers started by tests. */
public final class FreePorts {
  private FreePorts() {}

  /**
   * A port that was free a moment ago. Another process may still take it before the caller binds
   * it; that race is rare enough for tests.
   */
  public static int next() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port", e);
    }
  }
}

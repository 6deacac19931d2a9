package io.ramify.common.server;

import java.io.IOException;

/** A server a {@link ServerRole} started: what it serves on, and how to stop it cleanly. */
public interface RunningServer extends AutoCloseable {
    /** One line on where it serves, printed after {@code ready: } once it does. */
    String describe();

    /** The server object itself, for tests in the same JVM that look inside it. */
    Object server();

    @Override
    void close() throws IOException;

    /** A server described by {@code describe}, stopped by closing {@code server}. */
    static RunningServer of(String describe, AutoCloseable server) {
        return new RunningServer() {
            @Override
            public String describe() {
                return describe;
            }

            @Override
            public Object server() {
                return server;
            }

            @Override
            public void close() throws IOException {
                try {
                    server.close();
                } catch (IOException | RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IOException("stopping " + describe + ": " + e.getMessage(), e);
                }
            }
        };
    }
}

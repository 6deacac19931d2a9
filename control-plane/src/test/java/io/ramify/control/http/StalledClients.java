package io.ramify.control.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Raw sockets that send half an HTTP request and stall, and the check that the server cuts them off. */
public final class StalledClients {
    private StalledClients() {}

    /** A client that sent half a request at {@code sentNanos}. */
    public record Stalled(Socket socket, long sentNanos) {}

    /** Half of a request each: half of the headers, or the headers and half of the body. */
    public static List<Stalled> stall(int port, int n) throws IOException {
        List<Stalled> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Socket s = new Socket("127.0.0.1", port);
            String half = i % 2 == 0
                    ? "GET /v1/projects HTTP/1.1\r\nHost: x\r\nAcc"
                    : "POST /v1/projects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"na";
            s.getOutputStream().write(half.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            out.add(new Stalled(s, System.nanoTime()));
        }
        return out;
    }

    /** The server closes the client's connection no earlier than about {@code deadline} after it stalled, and soon after. */
    public static void assertClosedBy(Stalled stalled, Duration deadline) throws IOException {
        Socket s = stalled.socket();
        long sentNanos = stalled.sentNanos();
        s.setSoTimeout((int) deadline.plusSeconds(5).toMillis());
        InputStream in = s.getInputStream();
        try {
            assertEquals(-1, in.read(), "the server sent something to a client that never finished its request");
        } catch (java.net.SocketException e) {
            // reset by the server: closed as well
        } catch (java.net.SocketTimeoutException e) {
            throw new AssertionError("a stalled client was still connected "
                    + Duration.ofNanos(System.nanoTime() - sentNanos).toMillis() + " ms after it stalled (deadline "
                    + deadline + ")");
        }
        long after = System.nanoTime() - sentNanos;
        assertTrue(
                after >= deadline.minusMillis(500).toNanos(),
                "closed after " + after / 1_000_000 + " ms, before the deadline " + deadline);
        s.close();
    }
}

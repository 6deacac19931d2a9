package io.ramify.proxy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The first message a PostgreSQL client sends, parsed (protocol 3.0, "Start-up" in the Frontend/
 * Backend Protocol chapter): an SSL or GSS encryption request, a cancel request, or a start-up
 * message with its parameters. Pure: bytes in, a value or a {@link ProxyError} out.
 */
public sealed interface Startup {
    int SSL_REQUEST = 80877103;
    int GSSENC_REQUEST = 80877104;
    int CANCEL_REQUEST = 80877102;
    int PROTOCOL_3_0 = 196608;
    /** Postgres's own limit (MAX_STARTUP_PACKET_LENGTH). */
    int LENGTH_MAX = 10_000;
    /** Parameters accepted in one start-up message. */
    int PARAMETERS_MAX = 64;

    record SslRequest() implements Startup {}

    record GssEncRequest() implements Startup {}

    record CancelRequest(int pid, int secret) implements Startup {}

    /** The parameters in order; {@code raw} is the message as received. */
    record Message(int protocol, Map<String, String> parameters, byte[] raw) implements Startup {}

    /**
     * Bytes needed before a whole message is there: 0 when {@code in} holds one from its position,
     * else how many more (at least 1). Never more than {@link #LENGTH_MAX}.
     */
    static int missing(ByteBuffer in) {
        if (in.remaining() < 4) {
            return 4 - in.remaining();
        }
        int len = in.getInt(in.position());
        if (len < 8 || len > LENGTH_MAX) {
            throw new ProxyError(
                    ProxyError.PROTOCOL_VIOLATION,
                    "invalid start-up packet length " + len + " (expected 8.." + LENGTH_MAX + ")");
        }
        return Math.max(0, len - in.remaining());
    }

    /** Parses one whole message (see {@link #missing}) from {@code in}'s position, consuming it. */
    static Startup parse(ByteBuffer in) {
        if (missing(in) != 0) {
            throw new IllegalArgumentException("incomplete start-up packet");
        }
        int start = in.position();
        int len = in.getInt();
        int code = in.getInt();
        switch (code) {
            case SSL_REQUEST, GSSENC_REQUEST -> {
                if (len != 8) {
                    throw new ProxyError(
                            ProxyError.PROTOCOL_VIOLATION, "encryption request of length " + len + " (expected 8)");
                }
                return code == SSL_REQUEST ? new SslRequest() : new GssEncRequest();
            }
            case CANCEL_REQUEST -> {
                if (len != 16) {
                    throw new ProxyError(
                            ProxyError.PROTOCOL_VIOLATION, "cancel request of length " + len + " (expected 16)");
                }
                return new CancelRequest(in.getInt(), in.getInt());
            }
            default -> {
                if (code >>> 16 != 3) {
                    throw new ProxyError(
                            ProxyError.FEATURE_NOT_SUPPORTED,
                            "unsupported frontend protocol " + (code >>> 16) + "." + (code & 0xFFFF)
                                    + ": this server supports 3.0");
                }
                Map<String, String> params = new LinkedHashMap<>();
                int end = start + len;
                while (true) {
                    String key = cstring(in, end);
                    if (key.isEmpty()) {
                        break;
                    }
                    String value = cstring(in, end);
                    if (params.size() >= PARAMETERS_MAX) {
                        throw new ProxyError(
                                ProxyError.PROTOCOL_VIOLATION, "more than " + PARAMETERS_MAX + " start-up parameters");
                    }
                    params.put(key, value);
                }
                if (in.position() != end) {
                    throw new ProxyError(
                            ProxyError.PROTOCOL_VIOLATION,
                            "start-up packet has " + (end - in.position()) + " bytes after its terminator");
                }
                if (!params.containsKey("user")) {
                    throw new ProxyError(
                            ProxyError.PROTOCOL_VIOLATION, "no PostgreSQL user name specified in startup packet");
                }
                byte[] raw = new byte[len];
                in.get(start, raw);
                return new Message(code, params, raw);
            }
        }
    }

    private static String cstring(ByteBuffer in, int end) {
        int from = in.position();
        for (int i = from; i < end; i++) {
            if (in.get(i) == 0) {
                byte[] b = new byte[i - from];
                in.get(b);
                in.get();
                return new String(b, StandardCharsets.UTF_8);
            }
        }
        throw new ProxyError(ProxyError.PROTOCOL_VIOLATION, "start-up packet is not terminated");
    }

    /** A start-up message with {@code parameters}, encoded as a client sends it. */
    static byte[] encode(int protocol, Map<String, String> parameters) {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        parameters.forEach((k, v) -> {
            body.writeBytes(k.getBytes(StandardCharsets.UTF_8));
            body.write(0);
            body.writeBytes(v.getBytes(StandardCharsets.UTF_8));
            body.write(0);
        });
        body.write(0);
        ByteBuffer out = ByteBuffer.allocate(8 + body.size());
        out.putInt(8 + body.size()).putInt(protocol).put(body.toByteArray());
        return out.array();
    }
}

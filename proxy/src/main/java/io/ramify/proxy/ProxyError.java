package io.ramify.proxy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** A failure the proxy reports to the client as a FATAL ErrorResponse with a SQLSTATE. */
public final class ProxyError extends RuntimeException {
    public static final String PROTOCOL_VIOLATION = "08P01";
    public static final String FEATURE_NOT_SUPPORTED = "0A000";
    /** No branch named, or an unknown project or branch (like an unknown database). */
    public static final String INVALID_CATALOG_NAME = "3D000";

    public static final String CONNECTION_REJECTED = "08004";
    /** The compute could not be started or reached in time. */
    public static final String CANNOT_CONNECT_NOW = "57P03";

    public static final String TOO_MANY_CONNECTIONS = "53300";

    private final String sqlState;

    public ProxyError(String sqlState, String message) {
        super(message);
        this.sqlState = sqlState;
    }

    public ProxyError(String sqlState, String message, Throwable cause) {
        super(message, cause);
        this.sqlState = sqlState;
    }

    public String sqlState() {
        return sqlState;
    }

    /** The ErrorResponse ('E') message: severity FATAL, the SQLSTATE, the message. */
    public byte[] toErrorResponse() {
        ByteArrayOutputStream fields = new ByteArrayOutputStream();
        field(fields, 'S', "FATAL");
        field(fields, 'V', "FATAL");
        field(fields, 'C', sqlState);
        field(fields, 'M', getMessage() == null ? "error" : getMessage());
        fields.write(0);
        ByteBuffer out = ByteBuffer.allocate(1 + 4 + fields.size());
        out.put((byte) 'E').putInt(4 + fields.size()).put(fields.toByteArray());
        return out.array();
    }

    private static void field(ByteArrayOutputStream out, char code, String value) {
        out.write(code);
        out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
        out.write(0);
    }
}

package io.ramify.common;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** A timeline's identity: 128 random bits, printed as 32 lower-case hex digits. */
public record TimelineId(String hex) {
    private static final Pattern FORM = Pattern.compile("[0-9a-f]{32}");
    private static final SecureRandom RANDOM = new SecureRandom();

    public TimelineId {
        if (hex == null || !FORM.matcher(hex).matches()) {
            throw new IllegalArgumentException("not a timeline id (expected 32 lower-case hex digits): '" + hex + "'");
        }
    }

    public static TimelineId parse(String hex) {
        return new TimelineId(hex);
    }

    public static TimelineId random() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return new TimelineId(HexFormat.of().formatHex(b));
    }

    public byte[] toBytes() {
        return HexFormat.of().parseHex(hex);
    }

    public static TimelineId fromBytes(byte[] b) {
        if (b.length != 16) {
            throw new IllegalArgumentException("timeline id must be 16 bytes, got " + b.length);
        }
        return new TimelineId(HexFormat.of().formatHex(b));
    }

    /** The first 8 hex digits, as logs print it. */
    public String shortForm() {
        return hex.substring(0, 8);
    }

    @Override
    public String toString() {
        return hex;
    }
}

package io.ramify.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;

/**
 * The start-up parser on valid messages, on mutations of them and on random bytes: it either
 * parses, asks for more bytes, or refuses with a {@link ProxyError}; nothing else ever escapes.
 */
class StartupFuzzTest {
    static byte[] valid() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("user", "postgres");
        p.put("database", "postgres");
        p.put("options", "-c search_path=x endpoint=dev.shop");
        p.put("application_name", "psql");
        return Startup.encode(Startup.PROTOCOL_3_0, p);
    }

    @Test
    void parsesAStartupMessageAndTheRouteFromOptions() {
        Startup.Message m = (Startup.Message) Startup.parse(ByteBuffer.wrap(valid()));
        assertEquals("postgres", m.parameters().get("user"));
        Route.Resolved r = Route.resolve(m.parameters(), Optional.empty(), "app");
        assertEquals(new Route("shop", "dev"), r.route());
        assertEquals("-c search_path=x", r.forwardedParameters().get("options"), "endpoint= is not forwarded");
        assertEquals(
                new Route("app", "main"),
                Route.resolve(Map.of("user", "u", "options", "endpoint=main"), Optional.empty(), "app")
                        .route());
        assertEquals(
                new Route("shop", "dev"),
                Route.resolve(Map.of("user", "u"), Optional.of("dev.shop.ramify.local"), "app")
                        .route());
        ProxyError e =
                assertThrows(ProxyError.class, () -> Route.resolve(Map.of("user", "u"), Optional.empty(), "app"));
        assertEquals(ProxyError.INVALID_CATALOG_NAME, e.sqlState());
    }

    @Test
    void parsesEncryptionAndCancelRequests() {
        assertTrue(
                Startup.parse(ByteBuffer.allocate(8)
                                .putInt(8)
                                .putInt(Startup.SSL_REQUEST)
                                .flip())
                        instanceof Startup.SslRequest);
        assertTrue(
                Startup.parse(ByteBuffer.allocate(8)
                                .putInt(8)
                                .putInt(Startup.GSSENC_REQUEST)
                                .flip())
                        instanceof Startup.GssEncRequest);
        assertEquals(
                new Startup.CancelRequest(7, -3),
                Startup.parse(ByteBuffer.allocate(16)
                        .putInt(16)
                        .putInt(Startup.CANCEL_REQUEST)
                        .putInt(7)
                        .putInt(-3)
                        .flip()));
        assertEquals(
                ProxyError.FEATURE_NOT_SUPPORTED,
                assertThrows(
                                ProxyError.class,
                                () -> Startup.parse(ByteBuffer.allocate(9)
                                        .putInt(9)
                                        .putInt(2 << 16)
                                        .put((byte) 0)
                                        .flip()))
                        .sqlState());
        assertEquals(
                ProxyError.PROTOCOL_VIOLATION,
                assertThrows(
                                ProxyError.class,
                                () -> Startup.missing(
                                        ByteBuffer.allocate(4).putInt(1 << 30).flip()))
                        .sqlState());
    }

    @Property(tries = 3000)
    void mutatedMessagesParseOrAreRefusedCleanly(@ForAll("mutations") byte[] bytes) {
        feed(bytes);
    }

    @Property(tries = 2000)
    void randomBytesParseOrAreRefusedCleanly(@ForAll byte[] bytes) {
        feed(bytes);
    }

    private static void feed(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            while (in.hasRemaining() && Startup.missing(in) == 0) {
                Startup s = Startup.parse(in);
                if (s instanceof Startup.Message m) {
                    try {
                        Route.resolve(m.parameters(), Optional.empty(), "app");
                    } catch (ProxyError expected) {
                        // a refusal the client is told about
                    }
                }
            }
        } catch (ProxyError expected) {
            assertTrue(expected.sqlState().length() == 5 && expected.toErrorResponse()[0] == 'E');
        }
    }

    @Provide
    Arbitrary<byte[]> mutations() {
        byte[] base = valid();
        return Arbitraries.integers()
                .between(0, base.length - 1)
                .tuple3()
                .flatMap(t -> Arbitraries.integers().between(-128, 127).map(v -> Tuple.of(t, v)))
                .map(t -> {
                    byte[] b = base.clone();
                    b[t.get1().get1()] = (byte) (int) t.get2();
                    b[t.get1().get2()] ^= (byte) 0x5A;
                    int cut = t.get1().get3();
                    return t.get2() % 3 == 0 ? java.util.Arrays.copyOf(b, cut) : b;
                });
    }
}

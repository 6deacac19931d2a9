package io.ramify.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.ramify.catalog.client.CatalogException;
import io.ramify.catalog.client.CatalogUnavailableException;
import io.ramify.control.http.ApiErrors;
import io.ramify.control.http.ApiException;
import io.ramify.pagestore.client.PageStoreException;
import io.ramify.wal.client.WalRejectedException;
import io.ramify.wal.client.WalUnavailableException;
import io.ramify.wal.proto.Rejection;
import org.junit.jupiter.api.Test;

/**
 * The parts' typed failures as the API answers them (through {@link PartErrors} and
 * {@code http.ApiErrors}): every catalog and ratis-wal refusal code keeps its code with its status,
 * the message loses the code in front, and an unreachable part is a 503 the caller may retry.
 */
class PartErrorsTest {
    @Test
    void everyCatalogRefusalKeepsItsCodeWithItsStatus() {
        for (io.ramify.catalog.proto.Rejection.Code c : io.ramify.catalog.proto.Rejection.Code.values()) {
            int status = switch (c) {
                case NOT_FOUND -> 404;
                case MALFORMED, INVALID_NAME, INVALID_ARGUMENT -> 400;
                case LIMIT_EXCEEDED -> 429;
                default -> 409;
            };
            CatalogException e = new CatalogException(c, "branch dev of project shop: what to do");
            assertAnswer(status, c.name(), "branch dev of project shop: what to do", e, PartErrors.translate(e));
        }
    }

    @Test
    void everyWalRefusalKeepsItsCodeWithItsStatus() {
        for (Rejection.Code c : Rejection.Code.values()) {
            if (c == Rejection.Code.UNRECOGNIZED) {
                continue;
            }
            int status = switch (c) {
                case UNKNOWN_TIMELINE -> 404;
                case OUT_OF_WINDOW, BEYOND_END -> 422;
                case MALFORMED, TOO_LARGE -> 400;
                default -> 409;
            };
            WalRejectedException e = new WalRejectedException(Rejection.newBuilder()
                    .setCode(c)
                    .setMessage("timeline 1a2b: what to do")
                    .build());
            assertAnswer(status, c.name(), "timeline 1a2b: what to do", e, PartErrors.translate(e));
        }
    }

    @Test
    void anUnreachablePartIsUnavailableAndAPageStoreFailureAFailure() {
        var catalog = new CatalogUnavailableException("no leader", "r1", null);
        assertAnswer(
                503,
                "UNAVAILABLE",
                "the catalog did not answer: no leader; retry with the same Idempotency-Key",
                catalog,
                PartErrors.translate(catalog));
        var wal = new WalUnavailableException("timed out", null);
        assertAnswer(503, "UNAVAILABLE", "ratis-wal did not answer: timed out", wal, PartErrors.translate(wal));
        for (PageStoreException late : new PageStoreException[] {
            new PageStoreException.Unavailable("shard 0", null), new PageStoreException.NotIngested("shard 1", null)
        }) {
            assertAnswer(
                    503,
                    "UNAVAILABLE",
                    "the page stores did not answer in time: " + late.getMessage() + "; retry",
                    late,
                    PartErrors.translate(late));
        }
        for (PageStoreException failed : new PageStoreException[] {
            new PageStoreException.Corrupt("shard 0", null),
            new PageStoreException.BadRequest("shard 1", null),
            new PageStoreException("shard 2", null)
        }) {
            assertAnswer(
                    500,
                    "PAGE_STORE",
                    "a page store refused or failed: " + failed.getMessage(),
                    failed,
                    PartErrors.translate(failed));
        }
    }

    @Test
    void otherFailuresPassAsTheyAre() {
        RuntimeException other = new IllegalStateException("a bug");
        assertSame(other, PartErrors.translate(other));
        ControlError already = ControlError.invalidArgument("'name' is required");
        assertSame(already, PartErrors.translate(already));
    }

    private static void assertAnswer(int status, String code, String message, Throwable cause, RuntimeException got) {
        ApiException a = ApiErrors.toApi(assertInstanceOf(ControlError.class, got, code));
        assertEquals(status, a.status(), code);
        assertEquals(code, a.code());
        assertEquals(message, a.getMessage(), code);
        assertSame(cause, a.getCause(), code);
    }
}

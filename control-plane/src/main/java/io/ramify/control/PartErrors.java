package io.ramify.control;

import io.ramify.catalog.client.CatalogException;
import io.ramify.catalog.client.CatalogUnavailableException;
import io.ramify.pagestore.client.PageStoreException;
import io.ramify.wal.client.WalRejectedException;
import io.ramify.wal.client.WalUnavailableException;
import java.util.function.Supplier;

/**
 * The parts' typed failures as {@link ControlError}s: a catalog or ratis-wal refusal keeps its
 * code (what does not exist, malformed input, a point outside the history, a limit, else a
 * conflict), an unreachable part is {@link ControlError.Unavailable} (retry with the same
 * Idempotency-Key), and a page store's refusal or failure {@link ControlError.Failed}.
 */
final class PartErrors {
    private PartErrors() {}

    /** Runs {@code op}; a part's typed failure leaves it as a {@link ControlError}. */
    static <T> T call(Supplier<T> op) {
        try {
            return op.get();
        } catch (RuntimeException e) {
            throw translate(e);
        }
    }

    /** {@code e} as a {@link ControlError} if it is a part's typed failure; else {@code e} itself. */
    static RuntimeException translate(RuntimeException e) {
        return switch (e) {
            case CatalogException c -> catalog(c);
            case CatalogUnavailableException c ->
                ControlError.unavailable(
                        "the catalog did not answer: " + c.getMessage() + "; retry with the same Idempotency-Key", c);
            case WalRejectedException w -> wal(w);
            case WalUnavailableException w ->
                ControlError.unavailable("ratis-wal did not answer: " + w.getMessage(), w);
            case PageStoreException.Unavailable p -> pagesLate(p);
            case PageStoreException.NotIngested p -> pagesLate(p);
            case PageStoreException p ->
                new ControlError.Failed("PAGE_STORE", "a page store refused or failed: " + p.getMessage(), p);
            default -> e;
        };
    }

    private static ControlError catalog(CatalogException e) {
        String code = e.code().name();
        String m = stripCode(e.getMessage());
        return switch (e.code()) {
            case NOT_FOUND -> new ControlError.NotFound(code, m, e);
            case MALFORMED, INVALID_NAME, INVALID_ARGUMENT -> new ControlError.InvalidArgument(code, m, e);
            case LIMIT_EXCEEDED -> new ControlError.LimitExceeded(code, m, e);
            default -> new ControlError.Conflict(code, m, e);
        };
    }

    private static ControlError wal(WalRejectedException e) {
        String code = e.code().name();
        String m = stripCode(e.getMessage());
        return switch (e.code()) {
            case UNKNOWN_TIMELINE -> new ControlError.NotFound(code, m, e);
            case OUT_OF_WINDOW, BEYOND_END -> new ControlError.OutOfHistory(code, m, e);
            case MALFORMED, TOO_LARGE -> new ControlError.InvalidArgument(code, m, e);
            default -> new ControlError.Conflict(code, m, e);
        };
    }

    private static ControlError pagesLate(PageStoreException e) {
        return ControlError.unavailable("the page stores did not answer in time: " + e.getMessage() + "; retry", e);
    }

    /** The message without the {@code CODE: } its exception puts in front (the code is sent apart). */
    private static String stripCode(String m) {
        int colon = m.indexOf(": ");
        return colon > 0 && m.substring(0, colon).chars().allMatch(c -> c == '_' || Character.isUpperCase(c))
                ? m.substring(colon + 2)
                : m;
    }
}

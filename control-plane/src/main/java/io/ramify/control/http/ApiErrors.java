package io.ramify.control.http;

import io.ramify.catalog.client.CatalogException;
import io.ramify.catalog.client.CatalogUnavailableException;
import io.ramify.wal.client.WalRejectedException;
import io.ramify.wal.client.WalUnavailableException;
import java.util.function.Supplier;

/**
 * The one place where the parts' typed failures become HTTP statuses and error codes: a catalog
 * or ratis-wal refusal keeps its code (404 for what does not exist, 400 for malformed input, 422
 * for a point outside the history, 429 for a limit, else 409), an unreachable part is a 503 the
 * caller may retry with the same Idempotency-Key, and a page store's failure a 500.
 */
public final class ApiErrors {
  private ApiErrors() {}

  /** Maps the parts' typed failures to API errors. */
  public static <T> T call(Supplier<T> op) {
    try {
      return op.get();
    } catch (CatalogException e) {
      throw new ApiException(status(e.code()), e.code().name(), stripCode(e.getMessage()), e);
    } catch (CatalogUnavailableException e) {
      throw ApiException.unavailable("the catalog did not answer: " + e.getMessage() + "; retry with the same"
          + " Idempotency-Key", e);
    } catch (WalRejectedException e) {
      int status = switch (e.code()) {
        case UNKNOWN_TIMELINE -> 404;
        case OUT_OF_WINDOW, BEYOND_END -> 422;
        case MALFORMED, TOO_LARGE -> 400;
        default -> 409;
      };
      throw new ApiException(status, e.code().name(), stripCode(e.getMessage()), e);
    } catch (WalUnavailableException e) {
      throw ApiException.unavailable("ratis-wal did not answer: " + e.getMessage(), e);
    } catch (io.ramify.pagestore.client.PageStoreException.Unavailable
        | io.ramify.pagestore.client.PageStoreException.NotIngested e) {
      throw ApiException.unavailable("the page stores did not answer in time: " + e.getMessage() + "; retry", e);
    } catch (io.ramify.pagestore.client.PageStoreException e) {
      throw new ApiException(500, "PAGE_STORE", "a page store refused or failed: " + e.getMessage(), e);
    }
  }

  private static String stripCode(String m) {
    int colon = m.indexOf(": ");
    return colon > 0 && m.substring(0, colon).chars().allMatch(c -> c == '_' || Character.isUpperCase(c))
        ? m.substring(colon + 2) : m;
  }

  private static int status(io.ramify.catalog.proto.Rejection.Code c) {
    return switch (c) {
      case NOT_FOUND -> 404;
      case MALFORMED, INVALID_NAME, INVALID_ARGUMENT -> 400;
      case LIMIT_EXCEEDED -> 429;
      default -> 409;
    };
  }

}

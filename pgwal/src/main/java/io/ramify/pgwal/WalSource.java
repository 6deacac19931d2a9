package io.ramify.pgwal;

/**
 * Where the reader gets WAL bytes, addressed by LSN.
 *
 * <p>Returns the number of bytes copied starting at {@code lsn} (0..len); fewer than {@code len}
 * means the bytes beyond are not (yet) available. Implementations must not block waiting for bytes:
 * the decoder treats a short read as "the record is not complete yet".
 */
public interface WalSource {
    int read(long lsn, byte[] dst, int off, int len);
}

package io.ramify.pgwal;

/**
 * A record with its bytes (xl_tot_len long, page headers removed, starting with the 24-byte
 * XLogRecord header) and its layout, for callers that need more than {@link WalRecord} says.
 */
public record DecodedRecord(WalRecord record, byte[] bytes, RecordLayout layout) {}

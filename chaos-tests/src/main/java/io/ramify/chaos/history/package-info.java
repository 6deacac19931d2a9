/**
 * Histories of chaos tests, as Jepsen records them: each client's invocations and completions
 * ({@code ok}, {@code fail}, {@code info} = indeterminate) in real-time order, paired into
 * operations, and read and written as JSON lines.
 */
package io.ramify.chaos.history;

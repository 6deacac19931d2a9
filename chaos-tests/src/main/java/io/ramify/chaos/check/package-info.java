/**
 * Checkers for chaos-test histories: pure code (no clock, no threads, no I/O) that takes a recorded
 * {@link io.ramify.chaos.history.History} and says whether the system behaved.
 *
 * <ul>
 *   <li>{@link io.ramify.chaos.check.LinearizabilityChecker}: is there one order of the operations,
 *       consistent with real time, in which a sequential {@link io.ramify.chaos.check.Model} gives
 *       every observed outcome? Wing and Gong's search with memoization, per part where the model
 *       partitions; bounded by {@link io.ramify.chaos.check.LinearizabilityChecker#CONFIGURATIONS_MAX},
 *       beyond which it answers UNKNOWN. A NOT_LINEARIZABLE answer carries the longest prefix that
 *       linearizes, the operation that cannot be placed after it, the model's state there and
 *       what the model would have answered.
 *   <li>{@link io.ramify.chaos.check.CatalogModel}: the branches of one project as the REST API
 *       changes them (create, rename, delete, protect, reset, read), with the refusal codes in the
 *       order the control plane and the catalog check them.
 *   <li>{@link io.ramify.chaos.check.ListAppendChecker}: transactions of appends and reads over
 *       lists; reports aborted, duplicated, garbage and future reads, incompatible orders, lost
 *       acknowledged appends, stale reads and internal inconsistencies, each with its operations.
 * </ul>
 *
 * <p>The tests hold negative controls: hand-written histories each checker must reject, and random
 * histories checked against an exhaustive search.
 */
package io.ramify.chaos.check;

package io.ramify.chaos.run;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What the clients of a chaos run do while the nemesis works, recorded in the run's {@link
 * Recorder}, and how the run checks it at the end: {@link Bank} (TPC-B through the proxy) or
 * {@link CatalogWorkload} (branch operations through the REST API, checked for linearizability).
 */
public interface Workload {
    /** The workloads {@code --workload} names. */
    enum Kind {
        BANK,
        CATALOG;

        public String cliName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    Kind kind();

    /** The project it works in; the nemesis aims at the WAL group of its main branch's timeline. */
    String project();

    /** Its functions in the history: an OK completion of one means the clients saw the system available. */
    Set<String> functions();

    /** Makes the project and whatever else the clients need, before they start. */
    void setUp(ChaosCluster c) throws Exception;

    /**
     * Starts {@code clients} clients. {@code span} is how long the nemesis expects to take: a
     * workload with a budget of operations spreads them over it.
     */
    void start(int clients, Duration span);

    /** False once it stopped by itself (its budget of operations spent): no more operations will come. */
    boolean running();

    /** Stops the clients and waits for them (each one's operation in flight completes first, bounded). */
    void stop() throws InterruptedException;

    /** After the clients stopped and the faults healed: what the history and the system say. */
    Verdict check(ChaosCluster c) throws Exception;

    /**
     * Proves the check can fail on this run's own data: damages a copy of what it checks and
     * requires the check to say so. Empty when every control was caught, else what was missed.
     * Run last.
     */
    String negativeControls(ChaosCluster c) throws Exception;

    /** What {@link #negativeControls} does when it passes, for the run's log, e.g. "a deleted acknowledged row ...". */
    String negativeControlsCaught();

    /** What a workload's check found; {@code result.json} and the run's summary line show it. */
    interface Verdict {
        boolean ok();

        /**
         * The check could not decide (the linearizability search hit its bound): not a pass, and not
         * evidence of a violation either. The run reports it as UNKNOWN.
         */
        default boolean unknown() {
            return false;
        }

        /**
         * Acknowledged operations the check found missing, where it can name them (the bank's tags).
         * The catalog's linearizability check names no lost operation: it explains a violation in
         * {@link #summary} instead, and this is empty.
         */
        List<String> lost();

        /** One line for people. */
        String summary();

        /** Its fields in {@code result.json}: {@code "name":value} pairs joined by commas, no braces. */
        String jsonFields();
    }
}

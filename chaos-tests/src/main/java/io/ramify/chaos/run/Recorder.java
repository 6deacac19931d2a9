package io.ramify.chaos.run;

import io.ramify.chaos.history.History;
import io.ramify.chaos.history.JsonLines;
import io.ramify.chaos.history.Op;
import io.ramify.chaos.history.Value;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Every event of a run in the order it happened, from every client and the nemesis (process
 * {@link #NEMESIS}), with its wall time; written as JSON lines at the end.
 */
public final class Recorder {
    /** The nemesis's process number in the history. */
    public static final int NEMESIS = -1;

    private final List<Op> ops = new ArrayList<>();

    public synchronized Op invoke(int process, String f, Value v) {
        return add(Op.invoke(ops.size(), process, f, v));
    }

    public synchronized Op ok(int process, String f, Value v) {
        return add(Op.ok(ops.size(), process, f, v));
    }

    public synchronized Op fail(int process, String f, Value v, String error) {
        return add(Op.fail(ops.size(), process, f, v, error));
    }

    public synchronized Op info(int process, String f, Value v, String error) {
        return add(Op.info(ops.size(), process, f, v, error));
    }

    private Op add(Op op) {
        Op timed = op.withTime(System.nanoTime());
        ops.add(timed);
        return timed;
    }

    public synchronized List<Op> ops() {
        return List.copyOf(ops);
    }

    /**
     * Milliseconds from {@code fromNanos} to the first OK completion of one of {@code fs} after it,
     * or -1 when none came: how long clients saw the system unavailable after a fault.
     */
    public synchronized long millisToNextOk(Set<String> fs, long fromNanos) {
        for (Op op : ops) {
            OptionalLong t = op.timeNanos();
            if (op.type() == Op.Type.OK
                    && fs.contains(op.f())
                    && op.process() != NEMESIS
                    && t.isPresent()
                    && t.getAsLong() >= fromNanos) {
                return (t.getAsLong() - fromNanos) / 1_000_000;
            }
        }
        return -1;
    }

    /**
     * The longest time, in milliseconds, between acknowledgements of any of {@code fs} from {@code
     * fromNanos} to {@code toNanos} (counting from the start to the first and from the last to the
     * end): the longest the clients saw the system unavailable during that window.
     */
    public synchronized long longestGapMillis(Set<String> fs, long fromNanos, long toNanos) {
        long last = fromNanos;
        long gap = 0;
        for (Op op : ops) {
            OptionalLong t = op.timeNanos();
            if (op.type() == Op.Type.OK
                    && fs.contains(op.f())
                    && op.process() != NEMESIS
                    && t.isPresent()
                    && t.getAsLong() >= fromNanos
                    && t.getAsLong() <= toNanos) {
                gap = Math.max(gap, t.getAsLong() - last);
                last = t.getAsLong();
            }
        }
        return Math.max(gap, toNanos - last) / 1_000_000;
    }

    public synchronized void write(Path file) throws IOException {
        JsonLines.write(History.of(ops), file);
    }
}

package io.ramify.chaos.history;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A recorded history: events in real-time order, checked to be well formed on construction (indexes
 * increase, each process completes what it invoked before invoking again, with the same function),
 * and paired into {@link Operation}s. An invocation without a completion, and one completed with
 * {@code info}, is indeterminate.
 */
public final class History {
    private final List<Op> ops;
    private final List<Operation> operations;

    private History(List<Op> ops) {
        this.ops = List.copyOf(ops);
        this.operations = pair(this.ops);
    }

    /** The history of these events; throws {@link IllegalArgumentException} naming the first bad one. */
    public static History of(List<Op> ops) {
        return new History(ops);
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<Op> ops() {
        return ops;
    }

    /** The operations, in invocation order; {@code operations().get(i).id() == i}. */
    public List<Operation> operations() {
        return operations;
    }

    public int size() {
        return ops.size();
    }

    private static List<Operation> pair(List<Op> ops) {
        Map<Integer, Op> pending = new HashMap<>();
        Map<Op, Op> completions = new HashMap<>();
        long last = -1;
        for (Op op : ops) {
            if (op.index() <= last) {
                throw new IllegalArgumentException(
                        "index " + op.index() + " does not increase (after " + last + "): " + op);
            }
            last = op.index();
            Op open = pending.get(op.process());
            if (op.type() == Op.Type.INVOKE) {
                if (open != null) {
                    throw new IllegalArgumentException(
                            "process " + op.process() + " invokes " + op + " while " + open + " has not completed");
                }
                pending.put(op.process(), op);
            } else {
                if (open == null) {
                    throw new IllegalArgumentException("completion without an invocation: " + op);
                }
                if (!open.f().equals(op.f())) {
                    throw new IllegalArgumentException("completion " + op + " is for another function than " + open);
                }
                pending.remove(op.process());
                completions.put(open, op);
            }
        }
        List<Operation> out = new ArrayList<>();
        for (Op op : ops) {
            if (op.type() == Op.Type.INVOKE) {
                out.add(operation(out.size(), op, Optional.ofNullable(completions.get(op))));
            }
        }
        return List.copyOf(out);
    }

    private static Operation operation(int id, Op invoke, Optional<Op> completion) {
        Op c = completion.orElse(null);
        if (c == null || c.type() == Op.Type.INFO) {
            return new Operation(
                    id, invoke.process(), invoke.f(), invoke.value(), Outcome.UNKNOWN, invoke.index(), Operation.OPEN);
        }
        Outcome outcome = c.type() == Op.Type.OK ? new Outcome.Ok(c.value()) : new Outcome.Fail(c.error());
        return new Operation(id, invoke.process(), invoke.f(), invoke.value(), outcome, invoke.index(), c.index());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof History h && h.ops.equals(ops);
    }

    @Override
    public int hashCode() {
        return ops.hashCode();
    }

    @Override
    public String toString() {
        return JsonLines.toText(this);
    }

    /**
     * Records events with consecutive indexes, for tests and single-threaded recorders. Completion
     * methods take the function from the process's pending invocation.
     */
    public static final class Builder {
        private final List<Op> ops = new ArrayList<>();
        private final Map<Integer, Op> pending = new HashMap<>();
        private long next;

        private Builder() {}

        public Builder invoke(int process, String f, Value value) {
            return add(Op.invoke(next, process, f, value));
        }

        /** Completes the process's operation OK with this result. */
        public Builder ok(int process, Value value) {
            return add(Op.ok(next, process, open(process).f(), value));
        }

        /** Completes the process's operation OK, echoing its input (for writes). */
        public Builder ok(int process) {
            return ok(process, open(process).value());
        }

        /** Completes the process's operation as refused, with a code ({@code null}: none known). */
        public Builder fail(int process, String error) {
            Op open = open(process);
            return add(Op.fail(next, process, open.f(), open.value(), error));
        }

        /** Completes the process's operation as indeterminate. */
        public Builder info(int process) {
            Op open = open(process);
            return add(Op.info(next, process, open.f(), open.value(), "timeout"));
        }

        public Builder add(Op op) {
            if (op.type() == Op.Type.INVOKE) {
                pending.put(op.process(), op);
            } else {
                pending.remove(op.process());
            }
            ops.add(op);
            next = op.index() + 1;
            return this;
        }

        /** The index the next event gets. */
        public long next() {
            return next;
        }

        public History build() {
            return History.of(ops);
        }

        private Op open(int process) {
            Op op = pending.get(process);
            if (op == null) {
                throw new IllegalStateException("process " + process + " has nothing to complete");
            }
            return op;
        }
    }
}

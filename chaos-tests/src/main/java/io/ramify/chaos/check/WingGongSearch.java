package io.ramify.chaos.check;

import io.ramify.chaos.check.LinearizabilityResult.Failure;
import io.ramify.chaos.check.LinearizabilityResult.Verdict;
import io.ramify.chaos.history.Operation;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Wing and Gong's search with Lowe's memoization, over one part of a history.
 *
 * <p>The history is a list of events (invocations and completions) in real-time order. The search
 * walks it from the front: at an invocation it tries to linearize that operation now (the model
 * accepts its outcome); if so, both of its events leave the list and the walk restarts from the
 * front, otherwise it moves on. Reaching a completion means the operations linearized so far
 * leave that operation no place: the search undoes the last choice and tries the next event after
 * it. Done when every operation with a known outcome is linearized (indeterminate ones have no
 * completion event, so they never force a backtrack, and those left over count as never having
 * happened, which is the same as happening after everything). An indeterminate operation is not
 * placed where it would leave the state as it is (an indeterminate read, a create of a name that
 * exists): leaving it out explains the history as well.
 *
 * <p>Memoization: a (linearized set, state) pair already explored failed (success ends the search),
 * so reaching it again is pruned ({@link LinearizedSet} keeps the sets' keys small). The set of
 * pairs is also the bound: past {@code configurationsMax} the answer is UNKNOWN.
 *
 * <p>For a history that is not linearizable the search must exhaust every configuration reachable
 * before the failure, which grows as 2 to the number of operations concurrent at a point; each
 * indeterminate operation that can still have an effect stays concurrent with everything after
 * its invocation, so they are what makes a long history expensive.
 */
final class WingGongSearch<S> {
    /** An event in the doubly linked list; a call's {@code match} is its completion, if it has one. */
    private static final class Node {
        final int op;
        final boolean call;
        Node match;
        Node prev;
        Node next;

        Node(int op, boolean call) {
            this.op = op;
            this.call = call;
        }
    }

    private record Frame<S>(Node call, S before) {}

    private record Config(LinearizedSet.Key linearized, Object state) {}

    private final Model<S> model;
    private final List<Operation> ops;
    private final long configurationsMax;
    private final Node head = new Node(-1, false);
    private final Set<Config> seen = new HashSet<>();
    private Failure<S> deepest;

    WingGongSearch(Model<S> model, List<Operation> ops, long configurationsMax) {
        this.model = model;
        this.ops = List.copyOf(ops);
        this.configurationsMax = configurationsMax;
        link();
    }

    /** The list of events in real-time order (index order); an indeterminate call has no completion. */
    private void link() {
        List<Node> events = new ArrayList<>();
        List<Long> at = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            Operation o = ops.get(i);
            Node call = new Node(i, true);
            events.add(call);
            at.add(o.invokeIndex());
            if (!o.indeterminate()) {
                call.match = new Node(i, false);
                events.add(call.match);
                at.add(o.completeIndex());
            }
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparing(at::get));
        Node last = head;
        for (int i : order) {
            Node n = events.get(i);
            last.next = n;
            n.prev = last;
            last = n;
        }
    }

    LinearizabilityResult<S> run() {
        S state = model.init();
        LinearizedSet linearized = new LinearizedSet(ops);
        Deque<Frame<S>> stack = new ArrayDeque<>();
        int remaining = (int) ops.stream().filter(o -> !o.indeterminate()).count();
        Node entry = head.next;
        while (remaining > 0) {
            if (entry == null) {
                throw new IllegalStateException("walked past every completion with " + remaining + " left to place");
            }
            if (!entry.call) {
                noteDeadEnd(stack, ops.get(entry.op), state);
                if (stack.isEmpty()) {
                    return result(Verdict.NOT_LINEARIZABLE, List.of());
                }
                Frame<S> f = stack.pop();
                state = f.before();
                linearized.remove(f.call().op);
                remaining += ops.get(f.call().op).indeterminate() ? 0 : 1;
                unlift(f.call());
                entry = f.call().next;
                continue;
            }
            Operation op = ops.get(entry.op);
            Optional<S> next = model.step(state, op);
            // An indeterminate operation that would change nothing here is better left out (it may
            // still be placed later): placing it only multiplies the configurations.
            if (next.isEmpty() || (op.indeterminate() && next.get().equals(state))) {
                entry = entry.next;
                continue;
            }
            linearized.add(entry.op);
            if (!seen.add(new Config(linearized.key(), next.get()))) {
                linearized.remove(entry.op);
                entry = entry.next;
                continue;
            }
            if (seen.size() > configurationsMax) {
                return result(Verdict.UNKNOWN, List.of());
            }
            stack.push(new Frame<>(entry, state));
            state = next.get();
            remaining -= op.indeterminate() ? 0 : 1;
            lift(entry);
            entry = head.next;
        }
        return result(Verdict.LINEARIZABLE, order(stack));
    }

    /** Keeps the deepest dead end: the longest prefix that linearizes, and the operation stuck after it. */
    private void noteDeadEnd(Deque<Frame<S>> stack, Operation stuck, S state) {
        if (deepest == null || stack.size() > deepest.prefix().size()) {
            deepest = new Failure<>(order(stack), stuck, state, model.explain(state, stuck));
        }
    }

    private List<Operation> order(Deque<Frame<S>> stack) {
        List<Operation> out = new ArrayList<>(stack.size());
        stack.descendingIterator().forEachRemaining(f -> out.add(ops.get(f.call().op)));
        return out;
    }

    private LinearizabilityResult<S> result(Verdict v, List<Operation> linearization) {
        return new LinearizabilityResult<>(
                v,
                linearization,
                v == Verdict.NOT_LINEARIZABLE ? Optional.of(deepest) : Optional.empty(),
                seen.size(),
                1);
    }

    /** Takes a call and its completion out of the list; {@link #unlift} puts them back (LIFO). */
    private static void lift(Node call) {
        remove(call);
        if (call.match != null) {
            remove(call.match);
        }
    }

    private static void unlift(Node call) {
        if (call.match != null) {
            restore(call.match);
        }
        restore(call);
    }

    private static void remove(Node n) {
        n.prev.next = n.next;
        if (n.next != null) {
            n.next.prev = n.prev;
        }
    }

    private static void restore(Node n) {
        n.prev.next = n;
        if (n.next != null) {
            n.next.prev = n;
        }
    }
}

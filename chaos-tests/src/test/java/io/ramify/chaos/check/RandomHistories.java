package io.ramify.chaos.check;

import io.ramify.chaos.check.DeterministicModel.Transition;
import io.ramify.chaos.history.History;
import io.ramify.chaos.history.Op;
import io.ramify.chaos.history.Outcome;
import io.ramify.chaos.history.Value;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.BiFunction;

/**
 * Random histories that are linearizable by construction: calls run one after another through the
 * model (operation i takes effect at time 1000 i + 500), and each operation's interval is then
 * widened around that point by up to {@code width} slots either way, so intervals overlap but each
 * still contains its own linearization point. Processes are handed out as intervals open, lowest
 * free first. Some operations complete {@code info}; of those, half took effect and half never did.
 */
final class RandomHistories {
    private static final int SLOT = 1000;

    private RandomHistories() {}

    /** A function and its input. */
    record Call(String f, Value input) {}

    private record Event(long time, int op, boolean invoke) {}

    static <S> History concurrent(
            DeterministicModel<S> model, List<Call> calls, Random rnd, int width, double infoRate) {
        S state = model.init();
        List<Outcome> outcomes = new ArrayList<>();
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            Call c = calls.get(i);
            Transition<S> t = model.apply(state, c.f(), c.input());
            boolean info = rnd.nextDouble() < infoRate;
            if (!info || rnd.nextBoolean()) {
                state = t.next();
            }
            outcomes.add(info ? Outcome.UNKNOWN : t.outcome());
            long point = (long) i * SLOT + SLOT / 2;
            events.add(new Event(point - 1 - rnd.nextInt(width * SLOT), i, true));
            events.add(new Event(point + 1 + rnd.nextInt(width * SLOT), i, false));
        }
        events.sort(Comparator.comparingLong(Event::time).thenComparing(Event::invoke));
        TreeSet<Integer> free = new TreeSet<>();
        int[] process = new int[calls.size()];
        int processes = 0;
        List<Op> ops = new ArrayList<>();
        for (Event e : events) {
            Call c = calls.get(e.op());
            long index = ops.size();
            if (e.invoke()) {
                process[e.op()] = free.isEmpty() ? processes++ : free.pollFirst();
                ops.add(Op.invoke(index, process[e.op()], c.f(), c.input()));
            } else {
                free.add(process[e.op()]);
                ops.add(completion(index, process[e.op()], c, outcomes.get(e.op())));
            }
        }
        return History.of(ops);
    }

    static Op completion(long index, int process, Call c, Outcome o) {
        return switch (o) {
            case Outcome.Ok ok -> Op.ok(index, process, c.f(), ok.value());
            case Outcome.Fail fail ->
                Op.fail(index, process, c.f(), c.input(), fail.error().orElse(null));
            case Outcome.Unknown u -> Op.info(index, process, c.f(), c.input(), "timeout");
        };
    }

    /**
     * The history with one determinate completion's outcome replaced by {@code corrupt}'s (which may
     * happen to be the original, or another legal one: the tests compare with brute force).
     */
    static History corruptOne(History h, Random rnd, BiFunction<Op, Random, Outcome> corrupt) {
        List<Op> ops = new ArrayList<>(h.ops());
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            if (ops.get(i).type() == Op.Type.OK || ops.get(i).type() == Op.Type.FAIL) {
                candidates.add(i);
            }
        }
        if (candidates.isEmpty()) {
            return h;
        }
        int at = candidates.get(rnd.nextInt(candidates.size()));
        Op old = ops.get(at);
        Op invoke = h.ops().stream()
                .filter(o -> o.type() == Op.Type.INVOKE && o.process() == old.process() && o.index() < old.index())
                .reduce((a, b) -> b)
                .orElseThrow();
        ops.set(
                at,
                completion(old.index(), old.process(), new Call(old.f(), invoke.value()), corrupt.apply(invoke, rnd)));
        return History.of(ops);
    }

    /** Random catalog calls over a few names (and, rarely, an invalid one). */
    static List<Call> catalogCalls(Random rnd, int n) {
        List<String> names = List.of("main", "a", "b", "c", "a", "b", "bad name");
        List<Call> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String x = names.get(rnd.nextInt(names.size() - (rnd.nextInt(10) == 0 ? 0 : 1)));
            String y = names.get(rnd.nextInt(names.size() - 1));
            out.add(
                    switch (rnd.nextInt(9)) {
                        case 0, 1 -> new Call(CatalogOps.CREATE, CatalogOps.create(x, y));
                        case 2 -> new Call(CatalogOps.RENAME, CatalogOps.rename(x, y));
                        case 3 -> new Call(CatalogOps.DELETE, CatalogOps.delete(x));
                        case 4 -> new Call(CatalogOps.PROTECT, CatalogOps.protect(x, rnd.nextBoolean()));
                        case 5 -> new Call(CatalogOps.RESET, CatalogOps.reset(x));
                        default -> new Call(CatalogOps.READ, CatalogOps.read());
                    });
        }
        return out;
    }

    /** A different outcome for a catalog call: a name more or less in a listing, another code, OK for a refusal. */
    static Outcome corruptCatalog(Op invoke, Random rnd) {
        List<String> codes = List.of("NOT_FOUND", "ALREADY_EXISTS", "IS_ROOT", "PROTECTED", "HAS_CHILDREN");
        if (invoke.f().equals(CatalogOps.READ)) {
            List<String> names = new ArrayList<>(List.of("main", "a", "b", "c"));
            names.removeIf(n -> rnd.nextBoolean());
            return new Outcome.Ok(Value.strings(names));
        }
        return rnd.nextInt(3) == 0
                ? new Outcome.Ok(invoke.value())
                : Outcome.Fail.of(codes.get(rnd.nextInt(codes.size())));
    }

    /** Random register calls over {@code keys} keys and values 0..2. */
    static List<Call> registerCalls(Random rnd, int n, int keys) {
        List<Call> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String k = "k" + rnd.nextInt(keys);
            out.add(
                    switch (rnd.nextInt(3)) {
                        case 0 -> new Call(RegisterModel.WRITE, RegisterModel.write(k, rnd.nextInt(3)));
                        case 1 -> new Call(RegisterModel.READ, RegisterModel.read(k));
                        default -> new Call(RegisterModel.CAS, RegisterModel.cas(k, rnd.nextInt(3), rnd.nextInt(3)));
                    });
        }
        return out;
    }

    /** Another read value, or the other answer of a CAS, or a write that says it failed. */
    static Outcome corruptRegister(Op invoke, Random rnd) {
        return switch (invoke.f()) {
            case RegisterModel.READ -> new Outcome.Ok(Value.of(rnd.nextInt(4)));
            case RegisterModel.CAS -> rnd.nextBoolean() ? new Outcome.Ok(invoke.value()) : Outcome.Fail.of("MISMATCH");
            default -> Outcome.Fail.of("MISMATCH");
        };
    }
}

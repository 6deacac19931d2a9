package io.ramify.chaos.check;

import io.ramify.chaos.history.Operation;
import java.util.BitSet;
import java.util.List;

/**
 * The set of operations a search has linearized, with small keys for its memo. A plain bit set
 * would cost a bit per operation of the history in every remembered configuration (a 10,000
 * operation history times the configuration bound is gigabytes). But the set is mostly a prefix:
 * an operation can only be linearized once everything that completed before its invocation is,
 * so past the first determinate operation not yet linearized only the concurrent ones vary. The
 * key is that operation's position, the bits from there on, and the indeterminate operations'
 * bits kept apart (they may stay out for ever, which would pin the prefix at the first of them).
 */
final class LinearizedSet {
    /** A value equal for equal sets. */
    record Key(int low, BitSet indeterminate, BitSet window) {}

    private final int[] position;
    private final int indeterminate;
    private final int size;
    private final BitSet bits;

    /** Positions: indeterminate operations first, then the others, each group in invocation order. */
    LinearizedSet(List<Operation> ops) {
        size = ops.size();
        position = new int[size];
        int next = 0;
        for (int i = 0; i < size; i++) {
            if (ops.get(i).indeterminate()) {
                position[i] = next++;
            }
        }
        indeterminate = next;
        for (int i = 0; i < size; i++) {
            if (!ops.get(i).indeterminate()) {
                position[i] = next++;
            }
        }
        bits = new BitSet(size);
    }

    void add(int op) {
        bits.set(position[op]);
    }

    void remove(int op) {
        bits.clear(position[op]);
    }

    Key key() {
        int low = bits.nextClearBit(indeterminate);
        return new Key(low, bits.get(0, indeterminate), bits.get(Math.min(low, size), size));
    }
}

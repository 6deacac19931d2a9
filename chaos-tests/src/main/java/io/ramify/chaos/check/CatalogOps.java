package io.ramify.chaos.check;

import io.ramify.chaos.history.Value;

/** Function names and inputs of the {@link CatalogModel}, so recorders and tests spell them alike. */
public final class CatalogOps {
    public static final String CREATE = "create";
    public static final String RENAME = "rename";
    public static final String DELETE = "delete";
    public static final String PROTECT = "protect";
    public static final String RESET = "reset";
    public static final String READ = "read";

    private CatalogOps() {}

    public static Value create(String name, String parent) {
        return Value.list(Value.of(name), Value.of(parent));
    }

    public static Value rename(String from, String to) {
        return Value.list(Value.of(from), Value.of(to));
    }

    public static Value delete(String name) {
        return Value.of(name);
    }

    public static Value protect(String name, boolean on) {
        return Value.list(Value.of(name), Value.of(on));
    }

    public static Value reset(String name) {
        return Value.of(name);
    }

    public static Value read() {
        return Value.NIL;
    }
}

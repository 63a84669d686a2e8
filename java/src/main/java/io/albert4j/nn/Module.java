package io.albert4j.nn;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A node of the model tree with named parameters and named submodules, like PyTorch's {@code nn.Module}, so that
 * {@link #parameterEntries()} yields exactly PyTorch's state-dict keys in PyTorch's order: a module's own
 * parameters first (in registration order), then each submodule's, depth first.
 *
 * <p>A module may be registered under several parents (ALBERT's shared layers). Each parameter is listed once,
 * under the first name that reaches it, so a shared block appears under the first layer that uses it.
 */
public abstract class Module {
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();

    protected Parameter parameter(String name, Init init, int... shape) {
        Parameter p = new Parameter(init, shape);
        if (parameters.putIfAbsent(name, p) != null || children.containsKey(name)) {
            throw new IllegalStateException(getClass().getSimpleName() + ": name '" + name + "' registered twice");
        }
        return p;
    }

    protected <M extends Module> M child(String name, M module) {
        if (children.putIfAbsent(name, module) != null || parameters.containsKey(name)) {
            throw new IllegalStateException(getClass().getSimpleName() + ": name '" + name + "' registered twice");
        }
        return module;
    }

    /** Every parameter reachable from here, keyed by its dotted path, each listed once. */
    public LinkedHashMap<String, Parameter> parameterEntries() {
        LinkedHashMap<String, Parameter> out = new LinkedHashMap<>();
        collect("", out, new IdentityHashMap<>());
        return out;
    }

    private void collect(String prefix, LinkedHashMap<String, Parameter> out, IdentityHashMap<Parameter, String> seen) {
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            if (seen.putIfAbsent(e.getValue(), prefix + e.getKey()) == null) {
                out.put(prefix + e.getKey(), e.getValue());
            }
        }
        for (Map.Entry<String, Module> e : children.entrySet()) {
            e.getValue().collect(prefix + e.getKey() + ".", out, seen);
        }
    }

    /** Every module of type {@code type} in this tree (this one included), depth first. */
    public <M extends Module> java.util.List<M> modulesOf(Class<M> type) {
        java.util.List<M> found = new java.util.ArrayList<>();
        visit(type, found, new IdentityHashMap<>());
        return found;
    }

    private <M extends Module> void visit(Class<M> type, java.util.List<M> found, IdentityHashMap<Module, Boolean> seen) {
        if (seen.put(this, Boolean.TRUE) != null) {
            return;
        }
        if (type.isInstance(this)) {
            found.add(type.cast(this));
        }
        for (Module child : children.values()) {
            child.visit(type, found, seen);
        }
    }

    /** Total number of (distinct) parameter elements. */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : parameterEntries().values()) {
            n += p.numel();
        }
        return n;
    }
}

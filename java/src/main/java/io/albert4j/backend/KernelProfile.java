package io.albert4j.backend;

import io.albert4j.autograd.Tape;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Time per kernel, like {@code torch.profiler}'s key averages: {@link #wrap} returns a backend that times every
 * kernel call of the one it wraps, keyed by kernel name and by whether the tape was replaying (forward or backward),
 * with GEMMs also keyed by their shape so each linear layer shows on its own. On a GPU each call is synchronized
 * before the clock stops, so the figures are kernel times rather than launch times (and the run is slower).
 *
 * <pre>{@code
 * KernelProfile profile = new KernelProfile();
 * Backend timed = profile.wrap(backend);
 * ... run steps on `timed` ...
 * System.out.print(profile.table(steps, stepMillis));
 * }</pre>
 */
public final class KernelProfile {
    /** Calls that are bookkeeping, not kernels. */
    private static final Set<String> UNTIMED = Set.of("device", "description", "allocate", "synchronize", "close",
            "packedGemmBBytes", "toString", "hashCode", "equals");

    /** One row: a kernel (and phase), its calls and its total time. */
    public record Entry(String kernel, String phase, long calls, long nanos) {
    }

    private static final class Counter {
        long calls;
        long nanos;
    }

    private final Map<String, Counter> counters = new LinkedHashMap<>();

    /** A backend that runs {@code inner}'s kernels and records the time of each call here. */
    public Backend wrap(Backend inner) {
        boolean synchronize = !inner.device().isCpu();
        InvocationHandler handler = (proxy, method, args) -> {
            if (UNTIMED.contains(method.getName())) {
                return invoke(inner, method, args);
            }
            if (synchronize) {
                inner.synchronize();
            }
            long start = System.nanoTime();
            Object result = invoke(inner, method, args);
            if (synchronize) {
                inner.synchronize();
            }
            long elapsed = System.nanoTime() - start;
            record(key(method, args), elapsed);
            return result;
        };
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, handler);
    }

    private static Object invoke(Backend inner, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(inner, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /**
     * "gemm NT 1024x768x768", "gemm NP 128x768x768 (B packed once)", "gemm NT 1024x3072x768 +bias +gelu_tanh",
     * with the phase apart; the phase is left out
     * where the kernel's name already says it.
     */
    private static String key(Method method, Object[] args) {
        String name = method.getName();
        if (name.equals("gemm")) {
            long batch = (long) args[16];
            name = String.format(Locale.ROOT, "gemm %s%s %dx%dx%d%s", (boolean) args[0] ? "T" : "N",
                    (boolean) args[1] ? "T" : "N", (long) args[2], (long) args[3], (long) args[4],
                    batch > 1 ? " x" + batch : "");
        }
        if (name.equals("gemmPackedB")) {
            name = String.format(Locale.ROOT, "gemm %sP %dx%dx%d (B packed once)", (boolean) args[0] ? "T" : "N",
                    (long) args[1], (long) args[2], (long) args[3]);
        }
        if (name.equals("gemmBiasActivation")) {
            Activation activation = (Activation) args[15];
            String epilogue = (args[14] != null ? " +bias" : "")
                    + (activation != Activation.IDENTITY ? " +" + activation.name().toLowerCase(Locale.ROOT) : "");
            name = String.format(Locale.ROOT, "gemm %s%s %dx%dx%d%s%s", (boolean) args[0] ? "T" : "N",
                    args[10] != null ? "P" : (boolean) args[1] ? "T" : "N", (long) args[2], (long) args[3],
                    (long) args[4], epilogue, args[10] != null ? " (B packed once)" : "");
        }
        boolean named = name.endsWith("Forward") || name.endsWith("Backward") || name.endsWith("Update");
        String phase = named ? "" : Tape.isReplaying() ? "backward" : "forward";
        return name + "\u0000" + phase;
    }

    private synchronized void record(String key, long nanos) {
        Counter counter = counters.computeIfAbsent(key, k -> new Counter());
        counter.calls++;
        counter.nanos += nanos;
    }

    /** Forgets what was recorded (e.g. after warm-up steps). */
    public synchronized void reset() {
        counters.clear();
    }

    /** Every kernel seen so far, the most expensive first. */
    public synchronized List<Entry> entries() {
        List<Entry> entries = new ArrayList<>();
        counters.forEach((key, counter) -> {
            int split = key.indexOf('\u0000');
            entries.add(new Entry(key.substring(0, split), key.substring(split + 1), counter.calls, counter.nanos));
        });
        entries.sort(Comparator.comparingLong(Entry::nanos).reversed());
        return entries;
    }

    /**
     * The table per step: kernel, phase, calls, milliseconds and share of the step. {@code stepMillis} is the mean
     * wall time of a step; what the kernels do not account for (Java, the tape, the arena) is its last row.
     */
    public String table(int steps, double stepMillis) {
        List<Entry> entries = entries();
        int width = Math.max(24, entries.stream().mapToInt(e -> e.kernel.length()).max().orElse(0));
        String row = "%-" + width + "s %-9s %8s %10s %7s%n";
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, row, "kernel", "phase", "calls", "ms/step",
                "%step"));
        double kernelMillis = 0;
        for (Entry e : entries) {
            double millis = e.nanos / 1e6 / steps;
            kernelMillis += millis;
            out.append(String.format(Locale.ROOT, "%-" + width + "s %-9s %8d %10.2f %6.1f%%%n", e.kernel, e.phase,
                    e.calls / steps, millis, 100 * millis / stepMillis));
        }
        double rest = stepMillis - kernelMillis;
        out.append(String.format(Locale.ROOT, "%-" + width + "s %-9s %8s %10.2f %6.1f%%%n", "(outside kernels)", "", "", rest,
                100 * rest / stepMillis));
        return out.toString();
    }
}

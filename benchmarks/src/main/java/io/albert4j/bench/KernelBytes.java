package io.albert4j.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH auxiliary counter of the memory traffic of memory-bound kernels: each invocation adds the gigabytes the
 * kernel must move (compulsory reads + writes), so JMH prints the rate as GB/s next to ops/s.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class KernelBytes {
    /** Reported by JMH as a rate: gigabytes moved per second. */
    public double gigabytes;

    @Setup(Level.Iteration)
    public void reset() {
        gigabytes = 0;
    }

    void add(long bytes) {
        gigabytes += bytes / 1e9;
    }
}

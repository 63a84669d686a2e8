package io.albert4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.albert4j.backend.Backends;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code zero} clears exactly the bytes asked for, on the kernel threads' fill (large) and the JVM's (small, odd). */
class CpuZeroTest {
    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(longs = {12, 256 * 1024 - 4, 256 * 1024, 3 * 1024 * 1024 + 64, 1024 * 1024 + 2})
    void zeroesTheBytesAskedForAndNoMore(long bytes) {
        CpuBackend backend = (CpuBackend) Backends.cpu();
        try (Arena arena = Arena.ofConfined()) {
            long guard = 64;
            MemorySegment segment = arena.allocate(bytes + guard, 64);
            segment.fill((byte) 0x5A);
            backend.zero(segment, bytes);
            for (long i = 0; i < bytes; i++) {
                if (segment.get(ValueLayout.JAVA_BYTE, i) != 0) {
                    assertEquals(0, segment.get(ValueLayout.JAVA_BYTE, i), "byte " + i + " of " + bytes);
                }
            }
            for (long i = bytes; i < bytes + guard; i++) {
                assertEquals((byte) 0x5A, segment.get(ValueLayout.JAVA_BYTE, i), "byte " + i + " past the end");
            }
        }
    }

    @Test
    void aSizePastTheSegmentIsRefusedBeforeAnythingIsWritten() {
        CpuBackend backend = (CpuBackend) Backends.cpu();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(512 * 1024, 64);
            segment.fill((byte) 0x5A);
            assertThrows(IndexOutOfBoundsException.class, () -> backend.zero(segment, 512 * 1024 + 4));
            assertEquals((byte) 0x5A, segment.get(ValueLayout.JAVA_BYTE, 0), "nothing zeroed");
        }
    }
}

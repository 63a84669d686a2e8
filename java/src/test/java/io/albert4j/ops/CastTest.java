package io.albert4j.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import io.albert4j.testing.OpTestSupport;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** a4j_cast_f32_to_bf16 / a4j_cast_bf16_to_f32 (cpu/elementwise.cpp): round to nearest even, NaN stays NaN. */
class CastTest {
    private final OpTestSupport support = new OpTestSupport(9);

    @AfterEach
    void close() {
        support.close();
    }

    private short[] toBf16(float[] values) {
        Tensor x = support.tensor(values, false, values.length);
        Tensor out = support.arena.allocate(DType.BF16, values.length);
        support.backend.castF32ToBf16(x, out);
        return out.data().asSlice(0, out.byteSize()).toArray(ValueLayout.JAVA_SHORT);
    }

    /** The bf16 nearest to {@code value}, ties to the even pattern, by comparing both candidates in double. */
    private static int nearestBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        int down = bits >>> 16, up = down + 1;
        float upValue = Float.intBitsToFloat(up << 16);
        if (Float.isInfinite(upValue)) {
            // Past the largest finite bf16 (0x7F7F) the next pattern is infinity, reached from the midpoint up.
            double midpoint = 0x1.FEp127 + 0x1.0p119;
            return Math.abs((double) value) >= midpoint ? up & 0xFFFF : down & 0xFFFF;
        }
        double distDown = Math.abs((double) Float.intBitsToFloat(down << 16) - value);
        double distUp = Math.abs((double) upValue - value);
        if (distDown < distUp) {
            return down & 0xFFFF;
        }
        if (distUp < distDown) {
            return up & 0xFFFF;
        }
        return ((down & 1) == 0 ? down : up) & 0xFFFF;
    }

    @Test
    void roundsToNearestEvenOnTiesAndCarries() {
        float[] values = {
            1.0f, -0.0f, Float.intBitsToFloat(0x3F808000), // tie, kept bit even -> down to 0x3F80
            Float.intBitsToFloat(0x3F818000),               // tie, kept bit odd -> up to 0x3F82
            Float.intBitsToFloat(0x3F808001),               // just above the tie -> up
            Float.intBitsToFloat(0x3F807FFF),               // just below the tie -> down
            Float.intBitsToFloat(0x3FFFFFFF),               // carries into the exponent -> 0x4000
            Float.MAX_VALUE,                                // rounds up to +inf (0x7F80)
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE // smallest subnormal -> 0
        };
        int[] expected = {0x3F80, 0x8000, 0x3F80, 0x3F82, 0x3F81, 0x3F80, 0x4000, 0x7F80, 0x7F80, 0xFF80, 0x0000};
        short[] got = toBf16(values);
        for (int i = 0; i < values.length; i++) {
            assertEquals(expected[i], got[i] & 0xFFFF, "bf16 of " + values[i] + " (0x"
                    + Integer.toHexString(Float.floatToRawIntBits(values[i])) + ")");
        }
    }

    @Test
    void nanStaysNanWithItsSign() {
        float[] values = {Float.NaN, Float.intBitsToFloat(0x7F800001), Float.intBitsToFloat(0xFFFFFFFF),
            Float.intBitsToFloat(0x7FFFFFFF)};
        short[] got = toBf16(values);
        for (int i = 0; i < values.length; i++) {
            int bits = got[i] & 0xFFFF;
            assertTrue((bits & 0x7F80) == 0x7F80 && (bits & 0x007F) != 0, "bf16 of NaN 0x"
                    + Integer.toHexString(Float.floatToRawIntBits(values[i])) + " is 0x" + Integer.toHexString(bits));
            assertEquals(Float.floatToRawIntBits(values[i]) >>> 31, bits >>> 15, "sign of NaN kept");
        }
    }

    @Test
    void randomValuesMatchTheNearestBf16() {
        int n = 100_003; // off the SIMD width, and past the parallel threshold
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = Float.intBitsToFloat(support.random.nextInt()); // any pattern; NaNs are skipped below
        }
        short[] got = toBf16(values);
        for (int i = 0; i < n; i++) {
            if (Float.isNaN(values[i]) || Float.isInfinite(values[i])) {
                continue;
            }
            int expected = nearestBf16(values[i]);
            if ((got[i] & 0xFFFF) != expected) {
                assertEquals(expected, got[i] & 0xFFFF, "bf16 of " + values[i]);
            }
        }
    }

    @Test
    void bf16ToF32IsExactAndRoundTrips() {
        int n = 65_536 + 3;
        short[] patterns = new short[n];
        for (int i = 0; i < n; i++) {
            patterns[i] = (short) i;
        }
        Tensor bf16 = support.arena.allocate(DType.BF16, n);
        java.lang.foreign.MemorySegment.copy(patterns, 0, bf16.data(), ValueLayout.JAVA_SHORT, 0, n);
        Tensor f32 = support.arena.allocate(DType.F32, n);
        support.backend.castBf16ToF32(bf16, f32);
        float[] widened = f32.toFloatArray();
        for (int i = 0; i < n; i++) {
            int expectedBits = (patterns[i] & 0xFFFF) << 16;
            if (Float.floatToRawIntBits(widened[i]) != expectedBits) {
                assertEquals(Integer.toHexString(expectedBits), Integer.toHexString(Float.floatToRawIntBits(widened[i])),
                        "widening bf16 0x" + Integer.toHexString(patterns[i] & 0xFFFF));
            }
        }
        short[] back = toBf16(widened);
        for (int i = 0; i < n; i++) {
            float v = widened[i];
            int expected = Float.isNaN(v) ? (patterns[i] & 0xFFFF) | 0x0040 : patterns[i] & 0xFFFF;
            if ((back[i] & 0xFFFF) != expected) {
                assertEquals(Integer.toHexString(expected), Integer.toHexString(back[i] & 0xFFFF), "round trip of " + v);
            }
        }
    }
}

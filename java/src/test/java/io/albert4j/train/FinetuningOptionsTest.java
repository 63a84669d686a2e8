package io.albert4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Each broken fine-tuning setting is named with the value given (`--batch 0` used to end in "/ by zero"). */
class FinetuningOptionsTest {
    @Test
    void everyBrokenSettingIsNamedWithItsValue() {
        OptimizerConfig adamw = OptimizerConfig.defaults();
        var e = assertThrows(IllegalArgumentException.class,
                () -> new FinetuningOptions(2e-5, 0, 32, 3, 0, 0.1, -1, 0, 20, 1, adamw));
        assertEquals("fine-tuning: batch size must be > 0, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new FinetuningOptions(2e-5, 32, 32, 0, 0, 0.1, -1, 0, 20, 1, adamw));
        assertEquals("fine-tuning: epochs must be > 0 when no step count is given, got 0.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new FinetuningOptions(0, 32, 12, 3, 0, 1.5, -1, 0, 20, 1, adamw));
        assertEquals("fine-tuning: learning rate must be > 0, got 0.0; batch size 32 must be a multiple of the "
                + "micro-batch size 12; warmup fraction must be in [0, 1), got 1.5", e.getMessage());
        assertEquals(2, new FinetuningOptions(2e-5, 32, 16, 3, 0, 0.1, -1, 0, 20, 1, adamw).accumulationSteps());
    }
}

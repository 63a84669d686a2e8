package io.albert4j.cli;

import io.albert4j.albert.AlbertConfig;
import io.albert4j.albert.AlbertForPreTraining;
import io.albert4j.albert.AlbertInputs;
import io.albert4j.backend.Backends;
import io.albert4j.ops.Step;
import io.albert4j.tensor.StepArena;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Times a few training passes of the demo model so the demo can turn minutes into a step count. */
final class DemoSpeed {
    private DemoSpeed() {
    }

    static double estimateTokensPerSecond(int seq, int batch) {
        AlbertConfig config = ModelConfigs.resolve("demo", 8000, seq);
        SplittableRandom random = new SplittableRandom(1);
        int[] ids = random.ints((long) batch * seq, 5, config.vocabSize()).toArray();
        int[] ones = new int[batch * seq];
        Arrays.fill(ones, 1);
        int[] labels = new int[batch * seq];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 7 == 0 ? ids[i] : AlbertInputs.IGNORE_INDEX;
        }
        int[] sop = new int[batch];
        try (AlbertForPreTraining model = AlbertForPreTraining.create(config, 1);
             StepArena arena = new StepArena(Backends.cpu(), 64L << 20)) {
            model.train();
            model.enableGradients();
            long best = Long.MAX_VALUE;
            // Best of 10: the first steps run in the interpreter and would make the plan too short.
            for (int i = 0; i < 10; i++) {
                long t0 = System.nanoTime();
                try (Step step = Step.training(model.backend(), arena)) {
                    AlbertInputs inputs = AlbertInputs.copyOf(batch, seq, ids, ones, new int[batch * seq], labels, sop);
                    var out = model.forwardAtMaskedPositions(inputs, i);  // as the Pretrainer runs it
                    step.backward(out.loss());
                }
                best = Math.min(best, System.nanoTime() - t0);
            }
            // The optimizer update, metrics, held-out evaluations and checkpoints take the rest: a 5-minute plan at
            // 0.9 ran 375 s of training on the 2-core build machine, so 0.75.
            return 0.75 * batch * seq / (best / 1e9);
        }
    }
}

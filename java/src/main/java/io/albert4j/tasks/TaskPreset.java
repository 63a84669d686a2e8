package io.albert4j.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Per-task fine-tuning defaults from the original scripts, each overridable: GR's {@code run_glue.sh} for GLUE
 * (seq 512; warmup steps, learning rate, train steps and batch per task), GR's README for SQuAD v1.1/v2.0 (seq 384,
 * batch 48, lr 5e-5, 2 epochs, 10% warmup) and RACE (seq 512, batch 32, lr 1e-5, 12,000 steps, 1,000 warmup).
 * Generic text classification uses BERT's run_classifier defaults (seq 128, batch 32, lr 2e-5, 3 epochs, 10%
 * warmup); token classification HF's run_ner defaults (lr 5e-5, 3 epochs, batch 8, no warmup) at seq 128, since GR
 * has no token task.
 *
 * @param trainSteps 0: train for {@code epochs}
 * @param warmupSteps negative: {@code warmupFraction} of the steps
 */
public record TaskPreset(String name, Kind kind, GlueTask glue, int maxSeqLength, int batchSize, double learningRate,
                         double epochs, long trainSteps, double warmupFraction, long warmupSteps) {
    /** The head and data format a task uses. */
    public enum Kind { CLASSIFICATION, SQUAD_V1, SQUAD_V2, MULTIPLE_CHOICE, TOKENS }

    /** The prediction files a run of this kind writes beside its best checkpoint. */
    public List<String> outputFiles() {
        return switch (kind) {
            case SQUAD_V1 -> List.of("predictions.json", "nbest_predictions.json");
            case SQUAD_V2 -> List.of("predictions.json", "nbest_predictions.json", "null_odds.json");
            default -> List.of();
        };
    }

    /** Every name {@link #named} knows. */
    public static List<String> names() {
        List<String> names = new ArrayList<>();
        for (GlueTask t : GlueTask.values()) {
            names.add(t.taskName());
        }
        names.addAll(List.of("text", "squad-v1.1", "squad-v2.0", "race", "tokens"));
        return names;
    }

    public static TaskPreset named(String name) {
        GlueTask glue = GlueTask.named(name);
        if (glue != null) {
            boolean steps = glue.trainSteps() > 0;
            return new TaskPreset(glue.taskName(), Kind.CLASSIFICATION, glue, GlueTask.MAX_SEQ_LENGTH,
                    glue.batchSize(), glue.learningRate(), steps ? 0 : 3, steps ? glue.trainSteps() : 0, 0.1,
                    steps ? glue.warmupSteps() : -1);
        }
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "text", "classification" -> new TaskPreset("text", Kind.CLASSIFICATION, null, 128, 32, 2e-5, 3, 0,
                    0.1, -1);
            case "squad", "squad-v1", "squad-v1.1", "squad1.1" -> new TaskPreset("squad-v1.1", Kind.SQUAD_V1, null,
                    384, 48, 5e-5, 2, 0, 0.1, -1);
            case "squad-v2", "squad-v2.0", "squad2.0" -> new TaskPreset("squad-v2.0", Kind.SQUAD_V2, null, 384, 48,
                    5e-5, 2, 0, 0.1, -1);
            case "race" -> new TaskPreset("race", Kind.MULTIPLE_CHOICE, null, 512, 32, 1e-5, 0, 12000, 0, 1000);
            case "tokens", "ner", "pos", "conll" -> new TaskPreset("tokens", Kind.TOKENS, null, 128, 8, 5e-5, 3, 0, 0,
                    0);
            default -> throw new IllegalArgumentException("unknown task '" + name + "'; known: " + names());
        };
    }
}

package io.albert4j.cli;

import io.albert4j.io.HfModelDirectory;
import io.albert4j.tasks.ClassificationTask;
import io.albert4j.tasks.TaskFiles;
import io.albert4j.tasks.TaskPreset;
import io.albert4j.tasks.TaskSettings;
import io.albert4j.tasks.Tasks;
import io.albert4j.tasks.TextColumns;
import io.albert4j.tensor.Device;
import io.albert4j.train.Finetuner;
import io.albert4j.train.FinetuningEvaluation;
import io.albert4j.train.FinetuningOptions;
import io.albert4j.train.FinetuningTask;
import io.albert4j.train.OptimizerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code albert finetune}: fine-tunes a pretrained model for a task ({@link TaskPreset}: GLUE, generic text
 * classification, SQuAD, RACE, token classification) with the {@link Finetuner}; every hyperparameter defaults to
 * the task's value from the original scripts and can be overridden.
 */
@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        description = {"Fine-tune a pretrained ALBERT for a task; the best dev checkpoint goes to OUT/model.",
                "Tasks: cola, sst-2, mrpc, sts-b, qqp, mnli, qnli, rte, wnli (GLUE TSV folders), text (CSV, TSV or "
                        + "JSON lines), squad-v1.1, squad-v2.0, race, tokens (CoNLL)."})
final class FinetuneCommand implements Callable<Integer> {
    @Option(names = "--task", defaultValue = "text", description = "task name (see above); default ${DEFAULT-VALUE}")
    String taskName;
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "pretrained model directory")
    Path modelDir;
    @Option(names = "--data", paramLabel = "DIR", description = "the task's data folder as released (GLUE task "
            + "folder, SQuAD folder, RACE folder with train/ and dev/, CoNLL folder)")
    Path dataDir;
    @Option(names = "--train", paramLabel = "FILE", description = "training file (instead of, or over, --data)")
    Path trainFile;
    @Option(names = "--dev", paramLabel = "FILE", split = ",", description = "held-out file(s), scored every "
            + "--eval-every steps; the best checkpoint is kept")
    List<Path> devFiles;
    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "run directory: model/ (best checkpoint), metrics.jsonl, eval_results.json, predictions")
    Path out;
    @Option(names = "--overwrite", description = "write into --out although it holds other files (kept) or an "
            + "earlier run (replaced)")
    boolean overwrite;

    @Option(names = "--text-fields", split = ",", defaultValue = "text",
            description = "text task: fields joined into the first text (e.g. subject,body)")
    List<String> textFields;
    @Option(names = "--pair-fields", split = ",", description = "text task: fields joined into the second text")
    List<String> pairFields;
    @Option(names = "--label-field", defaultValue = "label") String labelField;
    @Option(names = "--problem-type", defaultValue = "single_label_classification",
            description = "text task: single_label_classification, multi_label_classification or regression")
    String problemType;
    @Option(names = "--label-separator", defaultValue = "|",
            description = "text task, multi-label: separator of the classes in a CSV/TSV cell")
    String labelSeparator;
    @Option(names = "--metrics", split = ",", description = "text task: metrics, the first picks the best checkpoint "
            + "(accuracy, f1, mcc; pearson, spearman, mse; micro_f1, subset_accuracy)")
    List<String> metrics;

    @Option(names = {"--max-seq-length", "--seq"}, description = "default: the task's") Integer seq;
    @Option(names = "--batch", description = "default: the task's") Integer batch;
    @Option(names = "--micro-batch", description = "gradient accumulation: micro-batches of this size; default "
            + "--batch") Integer microBatch;
    @Option(names = "--epochs", description = "default: the task's (used when --steps is 0)") Double epochs;
    @Option(names = "--steps", description = "updates; default: the task's (0: --epochs)") Long steps;
    @Option(names = "--lr", description = "AdamW peak learning rate; default: the task's") Double lr;
    @Option(names = "--warmup-fraction", description = "default: the task's") Double warmupFraction;
    @Option(names = "--warmup-steps", description = "default: the task's (overrides --warmup-fraction)")
    Long warmupSteps;
    @Option(names = "--weight-decay", defaultValue = "0.01") float weightDecay;
    @Option(names = "--eval-every", defaultValue = "0", description = "score the dev set every N steps (0: each "
            + "epoch) and at the end") int evalEvery;
    @Option(names = "--log-every", defaultValue = "20") int logEvery;
    @Option(names = "--max-examples", defaultValue = "0", description = "use at most N training examples; 0 = all")
    int maxExamples;
    @Option(names = "--seed", defaultValue = "12345") long seed;
    @Option(names = "--threads", defaultValue = "0", description = "CPU kernel threads; 0 = all cores") int threads;

    @Option(names = "--doc-stride", defaultValue = "128", description = "SQuAD: stride of the context windows")
    int docStride;
    @Option(names = "--max-query-length", defaultValue = "64", description = "SQuAD: question tokens kept")
    int maxQueryLength;
    @Option(names = "--n-best", defaultValue = "20", description = "SQuAD: candidate starts and ends decoded")
    int nBest;
    @Option(names = "--max-answer-length", defaultValue = "30", description = "SQuAD: longest answer in tokens")
    int maxAnswerLength;
    @Option(names = "--answer-class-head", description = "SQuAD v2: GR's answerability head beside the span head")
    boolean answerClassHead;
    @Option(names = "--max-qa-length", defaultValue = "128", description = "RACE: tokens kept of question + option")
    int maxQaLength;
    @Option(names = "--window-stride", defaultValue = "0", description = "classification: read a long first text in "
            + "windows this many tokens apart, predicting the mean of their logits (0: one truncated sequence)")
    int windowStride;
    @Option(names = "--max-windows", defaultValue = "8", description = "classification: windows per example at most")
    int maxWindows;
    @Option(names = "--window-loss", defaultValue = "window", description = "classification with windows: 'window' "
            + "trains on each window with its example's label, 'example' on the mean of an example's window logits, "
            + "as it predicts (--batch then counts examples)")
    WindowLoss windowLoss;

    /** What one training sample is when a text is read in windows. */
    enum WindowLoss { window, example }

    @Override
    public Integer call() throws Exception {
        TaskPreset preset = TaskPreset.named(taskName);
        int maxSeq = seq != null ? seq : preset.maxSeqLength();
        int batchSize = batch != null ? batch : preset.batchSize();
        FinetuningOptions options = new FinetuningOptions(lr != null ? lr : preset.learningRate(), batchSize,
                microBatch != null ? microBatch : batchSize, epochs != null ? epochs : preset.epochs(),
                steps != null ? steps : (epochs != null ? 0 : preset.trainSteps()),
                warmupFraction != null ? warmupFraction : preset.warmupFraction(),
                warmupSteps != null ? warmupSteps : (warmupFraction != null ? -1 : preset.warmupSteps()), evalEvery,
                logEvery, seed, OptimizerConfig.defaults().withWeightDecay(weightDecay));
        TaskSettings settings = TaskSettings.defaults(maxSeq)
                .withColumns(new TextColumns(textFields, pairFields, labelField, labelSeparator), problemType, metrics)
                .withSquad(docStride, maxQueryLength, nBest, maxAnswerLength, answerClassHead)
                .withMaxQaLength(maxQaLength).withMaxExamples(maxExamples).withWindows(windowStride, maxWindows,
                        windowLoss == WindowLoss.example);
        Set<String> entries = new HashSet<>(Finetuner.RUN_FILES);
        entries.addAll(preset.outputFiles());
        Finetuner.checkRunDirectory(out, entries, overwrite);  // before reading and tokenizing any data
        TaskFiles files = TaskFiles.resolve(preset, dataDir, trainFile, devFiles);
        BackendSetup.open(Device.CPU, threads, false, false);
        try (FinetuningTask task = Tasks.forTraining(preset, files, settings, modelDir, seed)) {
            Finetuner finetuner = new Finetuner(task, options, out, modelDir.resolve(HfModelDirectory.TOKENIZER_FILE))
                    .overwrite(overwrite);
            Finetuner.Result result = finetuner.run();
            if (result.best() != null) {
                System.out.printf(Locale.ROOT, "best checkpoint: step %d of %d: %s%s%n", result.bestStep(),
                        result.steps(), describe(result.best()), baseline(task));
                if (result.last() != result.best()) {
                    System.out.printf(Locale.ROOT, "last step: %s%n", describe(result.last()));
                }
            } else {
                System.out.printf(Locale.ROOT, "trained %d steps (no held-out data to score)%n", result.steps());
            }
            System.out.printf(Locale.ROOT, "%.0f tokens/s; model: %s%n", result.tokensPerSecond(), result.modelDir());
        }
        return 0;
    }

    static String describe(FinetuningEvaluation evaluation) {
        StringBuilder b = new StringBuilder();
        evaluation.metrics().forEach((k, v) -> b.append(b.isEmpty() ? "" : ", ").append(k).append(' ')
                .append(String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.1f" : "%.4f", v)));
        return b.toString();
    }

    private static String baseline(FinetuningTask task) {
        if (task instanceof ClassificationTask c && !Double.isNaN(c.majorityBaseline())) {
            return String.format(Locale.ROOT, " (majority class %.4f)", c.majorityBaseline());
        }
        return "";
    }
}

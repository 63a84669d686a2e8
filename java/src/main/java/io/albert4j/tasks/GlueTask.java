package io.albert4j.tasks;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The nine GLUE tasks as their standard TSV files lay them out (GR {@code classifier_utils} and HF
 * {@code glue_processors}: which columns hold the texts and the label, whether there is a header), their labels
 * in GR's order, their official metrics and GR's fine-tuning hyperparameters ({@code run_glue.sh}: max_seq_length
 * 512, AdamW, warmup steps, learning rate, train steps and batch size per task).
 *
 * <p>WNLI is not in {@code run_glue.sh}: its defaults are BERT's {@code run_classifier.py} ones (lr 2e-5, batch 32,
 * 3 epochs, 10% warmup).
 */
public enum GlueTask {
    COLA("cola", false, 3, -1, 1, List.of("0", "1"), List.of("mcc", "accuracy"), 320, 1e-5, 5336, 16,
            List.of("sentence"), List.of()),
    SST2("sst-2", true, 0, -1, 1, List.of("0", "1"), List.of("accuracy"), 1256, 1e-5, 20935, 32,
            List.of("sentence"), List.of()),
    MRPC("mrpc", true, 3, 4, 0, List.of("0", "1"), List.of("f1", "accuracy"), 200, 2e-5, 800, 32,
            List.of("#1 String"), List.of("#2 String")),
    STSB("sts-b", true, 7, 8, -1, null, List.of("pearson", "spearman"), 214, 2e-5, 3598, 16,
            List.of("sentence1"), List.of("sentence2")),
    QQP("qqp", true, 3, 4, 5, List.of("0", "1"), List.of("f1", "accuracy"), 1000, 5e-5, 14000, 128,
            List.of("question1"), List.of("question2")),
    MNLI("mnli", true, 8, 9, -1, List.of("contradiction", "entailment", "neutral"), List.of("accuracy"), 1000, 3e-5,
            10000, 128, List.of("sentence1"), List.of("sentence2")),
    QNLI("qnli", true, 1, 2, -1, List.of("entailment", "not_entailment"), List.of("accuracy"), 1986, 1e-5, 33112, 32,
            List.of("question"), List.of("sentence")),
    RTE("rte", true, 1, 2, -1, List.of("entailment", "not_entailment"), List.of("accuracy"), 200, 3e-5, 800, 32,
            List.of("sentence1"), List.of("sentence2")),
    WNLI("wnli", true, 1, 2, -1, List.of("0", "1"), List.of("accuracy"), -1, 2e-5, -1, 32,
            List.of("sentence1"), List.of("sentence2"));

    /** GR run_glue.sh: every task at 512 tokens. */
    public static final int MAX_SEQ_LENGTH = 512;

    private final String taskName;
    private final boolean header;
    private final int textColumn;
    private final int pairColumn;
    private final int labelColumn;
    private final List<String> labels;
    private final List<String> metrics;
    private final long warmupSteps;
    private final double learningRate;
    private final long trainSteps;
    private final int batchSize;
    private final List<String> testTextFields;
    private final List<String> testPairFields;

    GlueTask(String taskName, boolean header, int textColumn, int pairColumn, int labelColumn, List<String> labels,
             List<String> metrics, long warmupSteps, double learningRate, long trainSteps, int batchSize,
             List<String> testTextFields, List<String> testPairFields) {
        this.testTextFields = testTextFields;
        this.testPairFields = testPairFields;
        this.taskName = taskName;
        this.header = header;
        this.textColumn = textColumn;
        this.pairColumn = pairColumn;
        this.labelColumn = labelColumn;
        this.labels = labels;
        this.metrics = metrics;
        this.warmupSteps = warmupSteps;
        this.learningRate = learningRate;
        this.trainSteps = trainSteps;
        this.batchSize = batchSize;
    }

    /** The task's name as GLUE spells it, lower-cased ({@code sst-2}, {@code sts-b}, {@code mnli}). */
    public String taskName() {
        return taskName;
    }

    /** {@code sst-2}, {@code SST2}, {@code sst_2} ... all name SST-2. */
    public static GlueTask named(String name) {
        String key = name.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
        for (GlueTask t : values()) {
            if (t.taskName.replace("-", "").equals(key)) {
                return t;
            }
        }
        return null;
    }

    /** Class names in GR's order; null for STS-B (regression on a 0–5 score). */
    public List<String> labels() {
        return labels;
    }

    public boolean isRegression() {
        return labels == null;
    }

    /** The official metrics, the first one choosing the best checkpoint. */
    public List<String> metrics() {
        return metrics;
    }

    public long warmupSteps() {
        return warmupSteps;
    }

    public double learningRate() {
        return learningRate;
    }

    /** GR's train_steps; -1 for WNLI (3 epochs instead). */
    public long trainSteps() {
        return trainSteps;
    }

    public int batchSize() {
        return batchSize;
    }

    /** The header columns of the released test.tsv (read with {@link TextFileReader}, for prediction). */
    public TextColumns testColumns() {
        return TextColumns.of(testTextFields, testPairFields, "label");
    }

    public Path trainFile(Path dir) {
        return dir.resolve("train.tsv");
    }

    /** The dev files: MNLI has matched and mismatched. */
    public List<Path> devFiles(Path dir) {
        return this == MNLI ? List.of(dir.resolve("dev_matched.tsv"), dir.resolve("dev_mismatched.tsv"))
                : List.of(dir.resolve("dev.tsv"));
    }

    boolean hasHeader() {
        return header;
    }

    int textColumn() {
        return textColumn;
    }

    int pairColumn() {
        return pairColumn;
    }

    int labelColumn() {
        return labelColumn;
    }
}

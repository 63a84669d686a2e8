package io.albert4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.albert4j.albert.AlbertConfig;
import io.albert4j.albert.AlbertForSequenceClassification;
import io.albert4j.albert.AlbertInputs;
import io.albert4j.albert.HostArray;
import io.albert4j.backend.Backends;
import io.albert4j.io.HfModelDirectory;
import io.albert4j.ops.Step;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;
import io.albert4j.tokenizer.AlbertTokenizer;
import io.albert4j.train.AdamW;
import io.albert4j.train.LearningRateSchedule;
import io.albert4j.train.OptimizerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/**
 * {@code albert finetune}: sequence classification (GR run_classifier / HF AlbertForSequenceClassification) on
 * JSON-lines data, from a pretrained model directory, with AdamW, warmup and linear decay as GR's run_glue.sh.
 * Labels are the distinct values of the label field in the training file, sorted; they go to config.json's
 * {@code id2label}.
 */
@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        description = "Fine-tune a pretrained ALBERT for text classification on JSON-lines files.")
final class FinetuneCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "pretrained model directory")
    Path modelDir;
    @Option(names = "--train", required = true, paramLabel = "FILE.jsonl") Path trainFile;
    @Option(names = "--dev", paramLabel = "FILE.jsonl", description = "evaluated after every epoch") Path devFile;
    @Option(names = "--text-fields", split = ",", defaultValue = "text",
            description = "fields joined into segment A (e.g. subject,body); default ${DEFAULT-VALUE}")
    List<String> textFields;
    @Option(names = "--label-field", defaultValue = "label") String labelField;
    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "model directory to write; an earlier model there is replaced, other files are refused")
    Path out;
    @Option(names = "--overwrite", description = "write into --out although it holds other files (they are kept)")
    boolean overwrite;
    @Option(names = {"--max-seq-length", "--seq"}, defaultValue = "128") int seq;
    @Option(names = "--batch", defaultValue = "16") int batch;
    @Option(names = "--epochs", defaultValue = "2") int epochs;
    @Option(names = "--lr", defaultValue = "2e-5", description = "AdamW learning rate (GR run_glue: 1e-5 to 5e-5)")
    double lr;
    @Option(names = "--warmup-fraction", defaultValue = "0.1") double warmupFraction;
    @Option(names = "--max-examples", defaultValue = "0", description = "use at most N training examples; 0 = all")
    int maxExamples;
    @Option(names = "--seed", defaultValue = "12345") long seed;

    /** One example: token ids of [CLS] text [SEP] and its label index. */
    record Example(int[] ids, int label) {
    }

    @Override
    public Integer call() throws Exception {
        HfModelDirectory.checkCanSave(out, overwrite);
        AlbertTokenizer tok = AlbertTokenizer.load(modelDir.resolve(HfModelDirectory.TOKENIZER_FILE));
        List<JsonNode> trainRows = readJsonl(trainFile);
        List<String> labels = new ArrayList<>(new TreeSet<>(trainRows.stream().map(this::label).toList()));
        if (labels.size() < 2) {
            throw new IllegalArgumentException(trainFile + ": field '" + labelField + "' has " + labels.size()
                    + " distinct value(s); classification needs at least 2");
        }
        List<Example> train = encode(trainRows, tok, labels, trainFile);
        if (maxExamples > 0 && train.size() > maxExamples) {
            Collections.shuffle(train, new Random(seed));
            train = new ArrayList<>(train.subList(0, maxExamples));
        }
        List<Example> dev = devFile == null ? List.of() : encode(readJsonl(devFile), tok, labels, devFile);
        Map<String, Object> id2label = new LinkedHashMap<>();
        Map<String, Object> label2id = new LinkedHashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            id2label.put(Integer.toString(i), labels.get(i));
            label2id.put(labels.get(i), i);
        }
        long stepsPerEpoch = (train.size() + batch - 1) / batch;
        long totalSteps = stepsPerEpoch * epochs;
        LearningRateSchedule schedule = new LearningRateSchedule(lr, totalSteps,
                Math.round(totalSteps * warmupFraction), 1.0, 0);
        try (AlbertForSequenceClassification model = AlbertForSequenceClassification.fromPretrained(modelDir,
                Backends.cpu(), c -> withLabels(c, id2label, label2id), seed);
             StepArena arena = new StepArena(model.backend(), 64L << 20);
             AdamW optimizer = new AdamW(model.namedParameters(), OptimizerConfig.defaults())) {
            System.err.printf("fine-tuning on %d examples (%d labels %s), %d dev; %d steps%n", train.size(),
                    labels.size(), labels, dev.size(), totalSteps);
            model.enableGradients();
            Random shuffle = new Random(seed);
            long step = 0;
            for (int epoch = 1; epoch <= epochs; epoch++) {
                model.train();
                Collections.shuffle(train, shuffle);
                double lossSum = 0;
                int lossCount = 0;
                for (int start = 0; start < train.size(); start += batch) {
                    List<Example> rows = train.subList(start, Math.min(train.size(), start + batch));
                    try (Step s = Step.training(model.backend(), arena)) {
                        int[][][] in = pad(rows);
                        Tensor labelTensor = s.upload(rows.stream().mapToInt(Example::label).toArray(), rows.size());
                        var output = model.forward(AlbertInputs.copyOf(in[0], in[1], null), labelTensor, step);
                        lossSum += output.loss().getFloat(0);
                        lossCount++;
                        s.backward(output.loss());
                    }
                    optimizer.step((float) schedule.at(step));
                    optimizer.zeroGrad();
                    step++;
                    if (step % 20 == 0 || step == totalSteps) {
                        System.err.printf("epoch %d step %d/%d loss %.4f lr %.2e%n", epoch, step, totalSteps,
                                lossSum / lossCount, schedule.at(step - 1));
                        lossSum = 0;
                        lossCount = 0;
                    }
                }
                if (!dev.isEmpty()) {
                    model.eval();
                    System.out.printf("epoch %d: dev accuracy %.4f (majority class %.4f) on %d examples%n", epoch,
                            accuracy(model, dev), majority(dev, labels.size()), dev.size());
                }
            }
            model.save(out, modelDir.resolve(HfModelDirectory.TOKENIZER_FILE), overwrite);
            System.out.println("model: " + out);
        }
        return 0;
    }

    private static AlbertConfig withLabels(AlbertConfig c, Map<String, Object> id2label, Map<String, Object> label2id) {
        Map<String, Object> extra = new LinkedHashMap<>(c.extra());
        extra.put("id2label", id2label);
        extra.put("label2id", label2id);
        return c.toBuilder().numLabels(id2label.size()).problemType("single_label_classification").extra(extra)
                .build();
    }

    private String label(JsonNode row) {
        JsonNode value = row.get(labelField);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("a row has no '" + labelField + "' field: " + row);
        }
        return value.asText();
    }

    private List<Example> encode(List<JsonNode> rows, AlbertTokenizer tok, List<String> labels, Path file) {
        List<Example> examples = new ArrayList<>();
        for (JsonNode row : rows) {
            StringBuilder text = new StringBuilder();
            for (String field : textFields) {
                JsonNode v = row.get(field);
                if (v != null && !v.isNull()) {
                    text.append(text.isEmpty() ? "" : " ").append(v.asText());
                }
            }
            int label = labels.indexOf(label(row));
            if (label < 0) {
                throw new IllegalArgumentException(file + ": label '" + label(row) + "' does not occur in "
                        + trainFile + " " + labels);
            }
            examples.add(new Example(tok.encodeSingle(text.toString(), seq).ids(), label));
        }
        return examples;
    }

    /** ids and attention masks, padded to the longest row. */
    private static int[][][] pad(List<Example> rows) {
        int width = rows.stream().mapToInt(e -> e.ids().length).max().orElse(1);
        int[][] ids = new int[rows.size()][width];
        int[][] mask = new int[rows.size()][width];
        for (int r = 0; r < rows.size(); r++) {
            int[] source = rows.get(r).ids();
            System.arraycopy(source, 0, ids[r], 0, source.length);
            java.util.Arrays.fill(mask[r], 0, source.length, 1);
        }
        return new int[][][] {ids, mask};
    }

    private double accuracy(AlbertForSequenceClassification model, List<Example> examples) {
        int correct = 0;
        for (int start = 0; start < examples.size(); start += batch) {
            List<Example> rows = examples.subList(start, Math.min(examples.size(), start + batch));
            int[][][] in = pad(rows);
            HostArray logits = model.predict(in[0], in[1], null);
            int labelsCount = logits.shape()[1];
            for (int r = 0; r < rows.size(); r++) {
                int best = 0;
                for (int l = 1; l < labelsCount; l++) {
                    if (logits.get(r, l) > logits.get(r, best)) {
                        best = l;
                    }
                }
                correct += best == rows.get(r).label() ? 1 : 0;
            }
        }
        return (double) correct / examples.size();
    }

    private static double majority(List<Example> examples, int labels) {
        int[] counts = new int[labels];
        examples.forEach(e -> counts[e.label()]++);
        return (double) java.util.Arrays.stream(counts).max().orElse(0) / examples.size();
    }

    private static List<JsonNode> readJsonl(Path file) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        int lineNumber = 0;
        for (String line : Files.readAllLines(file)) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            try {
                rows.add(JSON.readTree(line));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException(file + ":" + lineNumber + ": not a JSON object: "
                        + e.getOriginalMessage());
            }
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no examples");
        }
        return rows;
    }
}

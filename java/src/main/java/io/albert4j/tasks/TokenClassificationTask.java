package io.albert4j.tasks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.albert4j.albert.AlbertConfig;
import io.albert4j.albert.AlbertForTokenClassification;
import io.albert4j.albert.AlbertInputs;
import io.albert4j.albert.AlbertPreTrainedModel;
import io.albert4j.albert.HostArray;
import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.metrics.EntityMetrics;
import io.albert4j.ops.Step;
import io.albert4j.tensor.Tensor;
import io.albert4j.tokenizer.AlbertTokenizer;
import io.albert4j.train.FinetuningEvaluation;
import io.albert4j.train.FinetuningTask;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Token classification (NER, POS) as a {@link FinetuningTask} (HF {@code AlbertForTokenClassification} and its
 * run_ner recipe): each word's pieces, the first labelled with the word's tag and the rest ignored (-100), in
 * {@code [CLS] ... [SEP]} cut to the sequence length (words beyond it are tagged {@code O} when scoring); a word's
 * prediction is its first piece's. Metrics: seqeval's entity-level {@code f1}, {@code precision}, {@code recall}
 * and the token-level {@code accuracy}.
 */
public final class TokenClassificationTask implements FinetuningTask {
    public static final String KIND = "tokens";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCH = 16;

    private final AlbertForTokenClassification model;
    private final List<String> tags;
    private final int maxSeqLength;
    private final List<Feature> train;
    private final List<Feature> dev;
    private final List<TaggedSentence> devSentences;

    /** One sentence: ids, label per position (-100 where none), and the position of each word's first piece. */
    public record Feature(int[] ids, int[] labels, int[] wordStarts) implements TokenizedFeature {
    }

    private TokenClassificationTask(AlbertForTokenClassification model, AlbertTokenizer tokenizer, List<String> tags,
                                    int maxSeqLength, List<TaggedSentence> train, List<TaggedSentence> dev) {
        this.model = model;
        this.tags = List.copyOf(tags);
        this.maxSeqLength = maxSeqLength;
        this.train = encode(train, tokenizer, tags, maxSeqLength);
        this.dev = encode(dev, tokenizer, tags, maxSeqLength);
        this.devSentences = List.copyOf(dev);
    }

    public static TokenClassificationTask forTraining(Path pretrainedDir, int maxSeqLength, List<TaggedSentence> train,
                                                      List<TaggedSentence> dev, long seed) {
        return forTraining(pretrainedDir, Backends.cpu(), maxSeqLength, train, dev, seed);
    }

    public static TokenClassificationTask forTraining(Path pretrainedDir, Backend backend, int maxSeqLength,
                                                      List<TaggedSentence> train, List<TaggedSentence> dev,
                                                      long seed) {
        TreeSet<String> distinct = new TreeSet<>();
        train.forEach(s -> distinct.addAll(s.tags()));
        List<String> tags = new ArrayList<>(distinct);
        if (tags.isEmpty()) {
            throw new TaskDataException("token classification: the training sentences have no tags");
        }
        AlbertTokenizer tokenizer = TaskSupport.tokenizerOf(pretrainedDir);
        TaskSupport.checkPositions(pretrainedDir, maxSeqLength);
        AlbertForTokenClassification model = AlbertForTokenClassification.fromPretrained(pretrainedDir, backend,
                c -> withTags(c, tags), seed);
        try {
            return new TokenClassificationTask(model, tokenizer, tags, maxSeqLength, train, dev);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static AlbertConfig withTags(AlbertConfig c, List<String> tags) {
        Map<String, Object> extra = new LinkedHashMap<>(c.extra());
        Map<String, Object> id2label = new LinkedHashMap<>();
        Map<String, Object> label2id = new LinkedHashMap<>();
        for (int i = 0; i < tags.size(); i++) {
            id2label.put(Integer.toString(i), tags.get(i));
            label2id.put(tags.get(i), i);
        }
        extra.put("id2label", id2label);
        extra.put("label2id", label2id);
        return c.toBuilder().numLabels(tags.size()).extra(extra).build();
    }

    /** First piece of each word labelled, the rest -100; words that do not fit are left out. */
    public static List<Feature> encode(List<TaggedSentence> sentences, AlbertTokenizer tokenizer, List<String> tags,
                                       int maxSeqLength) {
        List<Feature> out = new ArrayList<>(sentences.size());
        for (TaggedSentence s : sentences) {
            List<Integer> ids = new ArrayList<>(List.of(tokenizer.clsId()));
            List<Integer> labels = new ArrayList<>(List.of(AlbertInputs.IGNORE_INDEX));
            int[] starts = new int[s.words().size()];
            Arrays.fill(starts, -1);
            for (int w = 0; w < s.words().size(); w++) {
                int[] pieces = tokenizer.encode(s.words().get(w));
                if (pieces.length == 0) {
                    pieces = new int[] {tokenizer.unkId()};
                }
                if (ids.size() + pieces.length > maxSeqLength - 1) {
                    break;
                }
                starts[w] = ids.size();
                for (int p = 0; p < pieces.length; p++) {
                    ids.add(pieces[p]);
                    int tag = AlbertInputs.IGNORE_INDEX;
                    if (p == 0 && !s.tags().isEmpty()) {
                        tag = tags.indexOf(s.tags().get(w));
                        if (tag < 0) {
                            throw new TaskDataException(s.source() + ": tag '" + s.tags().get(w)
                                    + "' is not among the training tags " + tags);
                        }
                    }
                    labels.add(tag);
                }
            }
            ids.add(tokenizer.sepId());
            labels.add(AlbertInputs.IGNORE_INDEX);
            out.add(new Feature(ids.stream().mapToInt(Integer::intValue).toArray(),
                    labels.stream().mapToInt(Integer::intValue).toArray(), starts));
        }
        return out;
    }

    @Override
    public String name() {
        return "tokens";
    }

    @Override
    public AlbertPreTrainedModel model() {
        return model;
    }

    @Override
    public int trainingSize() {
        return train.size();
    }

    @Override
    public long tokens(int[] features) {
        return TaskSupport.tokens(train, features);
    }

    @Override
    public Tensor loss(int[] features, long dropoutSeed) {
        int width = TaskSupport.width(train, features);
        int[][] ids = new int[features.length][width];
        int[][] mask = new int[features.length][width];
        int[] labels = new int[features.length * width];
        Arrays.fill(labels, AlbertInputs.IGNORE_INDEX);
        for (int r = 0; r < features.length; r++) {
            Feature f = train.get(features[r]);
            System.arraycopy(f.ids(), 0, ids[r], 0, f.ids().length);
            Arrays.fill(mask[r], 0, f.ids().length, 1);
            System.arraycopy(f.labels(), 0, labels, r * width, f.labels().length);
        }
        Tensor labelTensor = Step.current().upload(labels, features.length, width);
        return model.forward(AlbertInputs.copyOf(ids, mask, null), labelTensor, dropoutSeed).loss();
    }

    @Override
    public boolean canEvaluate() {
        return !dev.isEmpty();
    }

    @Override
    public FinetuningEvaluation evaluate() {
        List<List<String>> predicted = predict(model, tags, dev);
        List<List<String>> gold = devSentences.stream().map(TaggedSentence::tags).toList();
        EntityMetrics.Scores s = EntityMetrics.score(predicted, gold);
        long right = 0;
        long total = 0;
        for (int i = 0; i < gold.size(); i++) {
            for (int w = 0; w < gold.get(i).size(); w++) {
                right += gold.get(i).get(w).equals(predicted.get(i).get(w)) ? 1 : 0;
                total++;
            }
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("f1", s.f1());
        metrics.put("precision", s.precision());
        metrics.put("recall", s.recall());
        metrics.put("accuracy", (double) right / total);
        return new FinetuningEvaluation(metrics, "f1", null);
    }

    /** The tag of every word (its first piece's best tag; {@code O} for words cut off by the length). */
    public static List<List<String>> predict(AlbertForTokenClassification model, List<String> tags,
                                             List<Feature> features) {
        List<List<String>> out = new ArrayList<>(features.size());
        for (int from = 0; from < features.size(); from += BATCH) {
            List<Feature> rows = features.subList(from, Math.min(features.size(), from + BATCH));
            int width = rows.stream().mapToInt(f -> f.ids().length).max().orElse(1);
            int[][] ids = new int[rows.size()][width];
            int[][] mask = new int[rows.size()][width];
            for (int r = 0; r < rows.size(); r++) {
                System.arraycopy(rows.get(r).ids(), 0, ids[r], 0, rows.get(r).ids().length);
                Arrays.fill(mask[r], 0, rows.get(r).ids().length, 1);
            }
            HostArray logits = model.predict(ids, mask, null);
            int classes = logits.shape()[2];
            for (int r = 0; r < rows.size(); r++) {
                List<String> sentence = new ArrayList<>();
                for (int start : rows.get(r).wordStarts()) {
                    if (start < 0) {
                        sentence.add("O");
                        continue;
                    }
                    int best = 0;
                    for (int c = 1; c < classes; c++) {
                        if (logits.get(r, start, c) > logits.get(r, start, best)) {
                            best = c;
                        }
                    }
                    sentence.add(tags.get(best));
                }
                out.add(sentence);
            }
        }
        return out;
    }

    @Override
    public String configJson(FinetuningEvaluation evaluation) {
        ObjectNode settings = JSON.createObjectNode();
        settings.put("kind", KIND);
        settings.put("task", "tokens");
        settings.put("max_seq_length", maxSeqLength);
        tags.forEach(settings.putArray("labels")::add);
        return FinetunedModels.configWithTask(model.config(), "AlbertForTokenClassification", "tokens", settings);
    }

    @Override
    public void close() {
        model.close();
    }
}

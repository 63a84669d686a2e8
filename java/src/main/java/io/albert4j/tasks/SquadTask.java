package io.albert4j.tasks;

import io.albert4j.albert.AlbertConfig;
import io.albert4j.albert.AlbertForQuestionAnswering;
import io.albert4j.albert.AlbertInputs;
import io.albert4j.albert.AlbertPreTrainedModel;
import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.ops.Step;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import io.albert4j.tokenizer.AlbertTokenizer;
import io.albert4j.train.FinetuningEvaluation;
import io.albert4j.train.FinetuningTask;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * SQuAD v1.1 / v2.0 span extraction as a {@link FinetuningTask} (GR run_squad_v1/v2, HF
 * {@code AlbertForQuestionAnswering}): questions → doc-stride windows → start/end logits → n-best decoding into
 * the original context → the official EM/F1 (v2: with the null-score threshold tuned on dev, saved with the
 * checkpoint), and the official prediction files beside the best checkpoint. Trains on the first gold answer of
 * each question, as GR and HF do.
 */
public final class SquadTask implements FinetuningTask {
    private final SquadSpec spec;
    private final AlbertForQuestionAnswering model;
    private final QuestionAnswerer answerer;
    private final List<SquadWindow> train = new ArrayList<>();
    private final List<SquadExample> dev;
    private final List<QuestionAnswerer.Prepared> devPrepared = new ArrayList<>();

    private SquadTask(SquadSpec spec, AlbertForQuestionAnswering model, AlbertTokenizer tokenizer,
                      List<SquadExample> trainExamples, List<SquadExample> dev) {
        this.spec = spec;
        this.model = model;
        this.answerer = new QuestionAnswerer(model, tokenizer, spec, false);
        for (int i = 0; i < trainExamples.size(); i++) {
            SquadExample e = trainExamples.get(i);
            SquadExample.Answer answer = e.impossible() || e.answers().isEmpty() ? null : e.answers().get(0);
            if (answer != null && !e.context().startsWith(answer.text(), answer.start())) {
                continue; // GR/HF: "could not find answer", the reader counted it
            }
            train.addAll(answerer.prepare(i, e.question(), e.context(), answer).windows());
        }
        this.dev = dev;
        for (int i = 0; i < dev.size(); i++) {
            devPrepared.add(answerer.prepare(i, dev.get(i).question(), dev.get(i).context(), null));
        }
    }

    public static SquadTask forTraining(SquadSpec spec, Path pretrainedDir, List<SquadExample> train,
                                        List<SquadExample> dev, long seed) {
        return forTraining(spec, pretrainedDir, Backends.cpu(), train, dev, seed);
    }

    public static SquadTask forTraining(SquadSpec spec, Path pretrainedDir, Backend backend, List<SquadExample> train,
                                        List<SquadExample> dev, long seed) {
        AlbertTokenizer tokenizer = TaskSupport.tokenizerOf(pretrainedDir);
        TaskSupport.checkPositions(pretrainedDir, spec.maxSeqLength());
        UnaryOperator<AlbertConfig> configure = c -> {
            if (!spec.answerClassHead()) {
                return c;
            }
            Map<String, Object> extra = new java.util.LinkedHashMap<>(c.extra());
            extra.put(AlbertForQuestionAnswering.ANSWER_CLASS_KEY, true);
            return c.toBuilder().extra(extra).build();
        };
        AlbertForQuestionAnswering model = AlbertForQuestionAnswering.fromPretrained(pretrainedDir, backend, configure,
                seed);
        try {
            return new SquadTask(spec, model, tokenizer, train, dev);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return spec.taskName();
    }

    @Override
    public AlbertPreTrainedModel model() {
        return model;
    }

    /** The model as a {@link QuestionAnswerer} with the spec's current threshold (not owning the model). */
    public QuestionAnswerer answerer() {
        return answerer;
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
        int[][] types = new int[features.length][width];
        int[] starts = new int[features.length];
        int[] ends = new int[features.length];
        int[][] allowed = new int[features.length][width];
        float[] impossible = new float[features.length];
        for (int r = 0; r < features.length; r++) {
            SquadWindow w = train.get(features[r]);
            System.arraycopy(w.ids(), 0, ids[r], 0, w.ids().length);
            System.arraycopy(w.tokenTypes(), 0, types[r], 0, w.ids().length);
            Arrays.fill(mask[r], 0, w.ids().length, 1);
            starts[r] = w.startPosition();
            ends[r] = w.endPosition();
            System.arraycopy(w.allowed(), 0, allowed[r], 0, w.ids().length);
            impossible[r] = w.startPosition() == 0 ? 1f : 0f; // GR: no answer, or not all of it, in this window
        }
        Step step = Step.current();
        AlbertInputs inputs = AlbertInputs.copyOf(ids, mask, types);
        Tensor start = step.upload(starts, features.length);
        Tensor end = step.upload(ends, features.length);
        if (!spec.answerClassHead()) {
            return model.forward(inputs, start, end, dropoutSeed).loss();
        }
        Tensor impossibleTensor = step.allocate(DType.F32, features.length);
        Backends.upload(step.backend(), impossible, impossibleTensor);
        int[] allowedFlat = new int[features.length * width];
        for (int r = 0; r < features.length; r++) {
            System.arraycopy(allowed[r], 0, allowedFlat, r * width, width);
        }
        Tensor allowedTensor = step.upload(allowedFlat, features.length, width);
        return model.forward(inputs, allowedTensor, start, end, impossibleTensor, dropoutSeed).loss();
    }

    @Override
    public boolean canEvaluate() {
        return !dev.isEmpty();
    }

    @Override
    public FinetuningEvaluation evaluate() {
        SquadPredictions predictions = SquadPredictions.of(answerer, dev, devPrepared);
        Map<String, Double> metrics = predictions.score(dev);
        return new FinetuningEvaluation(metrics, spec.versionTwo() ? "best_f1" : "f1", predictions);
    }

    @Override
    public String configJson(FinetuningEvaluation evaluation) {
        SquadSpec saved = spec;
        if (spec.versionTwo() && evaluation != null && evaluation.metrics().containsKey("best_f1_thresh")) {
            saved = spec.withNullThreshold(evaluation.metrics().get("best_f1_thresh"));
        }
        return FinetunedModels.configWithTask(model.config(), "AlbertForQuestionAnswering", spec.taskName(),
                saved.toJson());
    }

    @Override
    public List<String> outputFiles() {
        return spec.versionTwo() ? List.of(SquadPredictions.PREDICTIONS_FILE, SquadPredictions.NBEST_FILE,
                SquadPredictions.NULL_ODDS_FILE) : List.of(SquadPredictions.PREDICTIONS_FILE, SquadPredictions.NBEST_FILE);
    }

    @Override
    public void writeOutputs(FinetuningEvaluation evaluation, Path dir) throws IOException {
        if (evaluation.details() instanceof SquadPredictions predictions) {
            predictions.writeTo(dir);
        }
    }

    @Override
    public void close() {
        model.close();
    }
}

package io.albert4j.tasks;

import io.albert4j.albert.AlbertForQuestionAnswering;
import io.albert4j.albert.HostArray;
import io.albert4j.albert.InFlightCalls;
import io.albert4j.tokenizer.AlbertTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A fine-tuned extractive question answerer for JVM applications: a question and a context in, the answer span
 * out (its text as it stands in the context, its character offsets and its probability), or no answer for a SQuAD
 * v2 model whose null score wins by more than its tuned threshold. Long contexts are read in overlapping windows.
 * Thread-safe; close it to free the native memory. A close waits for the batch each running call is in; those
 * calls, and every call after, then fail with {@code IllegalStateException("QuestionAnswerer is closed")}.
 *
 * <pre>{@code
 * try (QuestionAnswerer qa = QuestionAnswerer.load(Path.of("runs/squad"))) {
 *     SpanDecoder.Answer a = qa.answer("Who shall meet?", "The Congress shall meet at least once every year.");
 *     System.out.println(a.text() + " [" + a.start() + ", " + a.end() + ") p=" + a.probability());
 * }
 * }</pre>
 */
public final class QuestionAnswerer implements AutoCloseable {
    private static final int BATCH = 16;

    private final AlbertForQuestionAnswering model;
    private final AlbertTokenizer tokenizer;
    private final SquadSpec spec;
    private final boolean ownsModel;
    private final InFlightCalls calls = new InFlightCalls("QuestionAnswerer");

    QuestionAnswerer(AlbertForQuestionAnswering model, AlbertTokenizer tokenizer, SquadSpec spec, boolean ownsModel) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.spec = spec;
        this.ownsModel = ownsModel;
    }

    /** Loads a fine-tuning run directory (its best checkpoint) or a fine-tuned model directory. */
    public static QuestionAnswerer load(Path dir) {
        Path modelDir = FinetunedModels.modelDirectory(dir);
        SquadSpec spec = SquadSpec.fromJson(FinetunedModels.taskSettings(modelDir),
                modelDir.resolve("config.json").toString());
        return new QuestionAnswerer(AlbertForQuestionAnswering.load(modelDir), FinetunedModels.tokenizer(modelDir),
                spec, true);
    }

    public SquadSpec spec() {
        return spec;
    }

    public SpanDecoder.Answer answer(String question, String context) {
        Prepared prepared = prepare(0, question, context, null);
        return decode(prepared, logits(prepared.windows()));
    }

    /** A question tokenized and windowed. */
    record Prepared(String context, TokenOffsets tokens, List<SquadWindow> windows) {
    }

    Prepared prepare(int example, String question, String context, SquadExample.Answer answer) {
        int[] query = tokenizer.encode(question);
        if (query.length > spec.maxQueryLength()) {
            query = Arrays.copyOf(query, spec.maxQueryLength());
        }
        TokenOffsets tokens = TokenOffsets.of(tokenizer, context);
        return new Prepared(context, tokens, SquadWindow.of(example, query, tokens, spec.maxSeqLength(),
                spec.docStride(), answer, tokenizer.clsId(), tokenizer.sepId()));
    }

    SpanDecoder.Answer decode(Prepared prepared, List<float[][]> logits) {
        List<float[]> starts = new ArrayList<>();
        List<float[]> ends = new ArrayList<>();
        List<Float> answerClass = spec.answerClassHead() ? new ArrayList<>() : null;
        for (float[][] row : logits) {
            starts.add(row[0]);
            ends.add(row[1]);
            if (answerClass != null) {
                answerClass.add(row[2][0]);
            }
        }
        return spec.decoder().decode(prepared.context(), prepared.tokens(), prepared.windows(), starts, ends,
                answerClass);
    }

    /** Start and end logits ({@code [2][length]}, plus {@code [1]} with the answer-class head) of each window. */
    List<float[][]> logits(List<SquadWindow> windows) {
        List<float[][]> out = new ArrayList<>(windows.size());
        InFlightCalls.Call call = calls.enter();
        try {
            logits(windows, out, call);
        } finally {
            call.close();
        }
        return out;
    }

    private void logits(List<SquadWindow> windows, List<float[][]> out, InFlightCalls.Call call) {
        for (int from = 0; from < windows.size(); from += BATCH) {
            call.checkOpen();  // a close stops a long call between batches instead of waiting for all of them
            List<SquadWindow> rows = windows.subList(from, Math.min(windows.size(), from + BATCH));
            int width = rows.stream().mapToInt(w -> w.ids().length).max().orElse(1);
            int[][] ids = new int[rows.size()][width];
            int[][] mask = new int[rows.size()][width];
            int[][] types = new int[rows.size()][width];
            int[][] allowed = new int[rows.size()][width];
            for (int r = 0; r < rows.size(); r++) {
                SquadWindow w = rows.get(r);
                System.arraycopy(w.ids(), 0, ids[r], 0, w.ids().length);
                System.arraycopy(w.tokenTypes(), 0, types[r], 0, w.ids().length);
                System.arraycopy(w.allowed(), 0, allowed[r], 0, w.ids().length);
                Arrays.fill(mask[r], 0, w.ids().length, 1);
            }
            AlbertForQuestionAnswering.Prediction p = spec.answerClassHead()
                    ? model.predict(ids, mask, types, allowed) : model.predict(ids, mask, types);
            for (int r = 0; r < rows.size(); r++) {
                float[] start = row(p.startLogits(), r, width);
                float[] end = row(p.endLogits(), r, width);
                out.add(p.answerClassLogits() == null ? new float[][] {start, end}
                        : new float[][] {start, end, {p.answerClassLogits().get(r)}});
            }
        }
    }

    private static float[] row(HostArray logits, int r, int width) {
        return Arrays.copyOfRange(logits.values(), r * width, (r + 1) * width);
    }

    AlbertTokenizer tokenizer() {
        return tokenizer;
    }

    /** Refuses new calls, waits for the running ones' current batch, then frees the model if this owns it. */
    @Override
    public void close() {
        calls.close(() -> {
            if (ownsModel) {
                model.close();
            }
        });
    }
}

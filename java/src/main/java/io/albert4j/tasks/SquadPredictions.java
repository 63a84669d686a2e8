package io.albert4j.tasks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.albert4j.io.AtomicFiles;
import io.albert4j.metrics.SquadMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's answers to a set of SQuAD questions, in the official formats: {@code predictions.json} (question id →
 * answer text, "" for no answer), {@code nbest_predictions.json} (the n-best list with probabilities and logits,
 * plus character offsets) and, for v2, {@code null_odds.json} (question id → null score minus best non-null
 * score, what {@code evaluate-v2.0.py --na-prob-file} reads).
 */
public record SquadPredictions(Map<String, SpanDecoder.Answer> answers, boolean versionTwo) {
    public static final String PREDICTIONS_FILE = "predictions.json";
    public static final String NBEST_FILE = "nbest_predictions.json";
    public static final String NULL_ODDS_FILE = "null_odds.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Answers every question (its windows prepared once in {@code prepared}, in the same order). */
    static SquadPredictions of(QuestionAnswerer answerer, List<SquadExample> examples,
                               List<QuestionAnswerer.Prepared> prepared) {
        // All windows of all questions go through the model in shared batches, then are split back.
        List<SquadWindow> all = new ArrayList<>();
        prepared.forEach(p -> all.addAll(p.windows()));
        List<float[][]> logits = answerer.logits(all);
        Map<String, SpanDecoder.Answer> answers = new LinkedHashMap<>();
        int at = 0;
        for (int i = 0; i < examples.size(); i++) {
            int n = prepared.get(i).windows().size();
            answers.put(examples.get(i).id(), answerer.decode(prepared.get(i), logits.subList(at, at + n)));
            at += n;
        }
        return new SquadPredictions(answers, answerer.spec().versionTwo());
    }

    public static SquadPredictions of(QuestionAnswerer answerer, List<SquadExample> examples) {
        List<QuestionAnswerer.Prepared> prepared = new ArrayList<>();
        for (int i = 0; i < examples.size(); i++) {
            prepared.add(answerer.prepare(i, examples.get(i).question(), examples.get(i).context(), null));
        }
        return of(answerer, examples, prepared);
    }

    public Map<String, String> texts() {
        Map<String, String> out = new LinkedHashMap<>();
        answers.forEach((id, a) -> out.put(id, a.text()));
        return out;
    }

    public Map<String, Double> nullOdds() {
        Map<String, Double> out = new LinkedHashMap<>();
        answers.forEach((id, a) -> out.put(id, a.nullScoreDiff()));
        return out;
    }

    /** The official metrics against the gold answers (v2: with the best thresholds from the null odds). */
    public Map<String, Double> score(List<SquadExample> gold) {
        List<SquadMetrics.Question> questions = new ArrayList<>();
        for (SquadExample e : gold) {
            questions.add(new SquadMetrics.Question(e.id(), e.answers().stream().map(SquadExample.Answer::text)
                    .toList()));
        }
        return versionTwo ? SquadMetrics.evaluate(questions, texts(), nullOdds())
                : SquadMetrics.evaluateV1(questions, texts());
    }

    /** Writes the official files into {@code dir} (predictions, n-best, v2 null odds), each atomically. */
    public void writeTo(Path dir) throws IOException {
        write(dir.resolve(PREDICTIONS_FILE), dir.resolve(NBEST_FILE), versionTwo ? dir.resolve(NULL_ODDS_FILE) : null);
    }

    public void write(Path predictions, Path nBest, Path nullOdds) throws IOException {
        ObjectNode texts = JSON.createObjectNode();
        ObjectNode lists = JSON.createObjectNode();
        ObjectNode odds = JSON.createObjectNode();
        answers.forEach((id, a) -> {
            texts.put(id, a.text());
            ArrayNode list = lists.putArray(id);
            for (SpanDecoder.Candidate c : a.nBest()) {
                ObjectNode entry = list.addObject();
                entry.put("text", c.text());
                entry.put("probability", c.probability());
                entry.put("start_logit", c.startLogit());
                entry.put("end_logit", c.endLogit());
                entry.put("start", c.start());
                entry.put("end", c.end());
            }
            odds.put(id, a.nullScoreDiff());
        });
        writeJson(predictions, texts);
        if (nBest != null) {
            writeJson(nBest, lists);
        }
        if (nullOdds != null) {
            writeJson(nullOdds, odds);
        }
    }

    private static void writeJson(Path file, ObjectNode node) throws IOException {
        String text = JSON.writeValueAsString(node) + "\n";
        AtomicFiles.writeFile(file, temp -> Files.writeString(temp, text));
    }
}

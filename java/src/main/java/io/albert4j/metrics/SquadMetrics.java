package io.albert4j.metrics;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * SQuAD's official evaluation ({@code evaluate-v1.1.py} and {@code evaluate-v2.0.py}, which agree wherever v1 is
 * defined): answers normalised (lower-cased, ASCII punctuation removed, the articles a/an/the removed, whitespace
 * collapsed), exact match and token-overlap F1 against the best of the gold answers, in percent. For v2, a question
 * without gold answers is answered right only by the empty string, and a no-answer probability per question
 * ({@code null_odds.json}) gives the best thresholds ({@code best_exact_thresh}, {@code best_f1_thresh}).
 */
public final class SquadMetrics {
    /** Python's {@code string.punctuation}. */
    private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b", Pattern.UNICODE_CHARACTER_CLASS);

    private SquadMetrics() {
    }

    /** One question: its id, its gold answer texts (empty: unanswerable, SQuAD v2). */
    public record Question(String id, List<String> answers) {
        public Question {
            answers = List.copyOf(answers);
        }
    }

    /** {@code normalize_answer}: lower, remove punctuation, remove articles, collapse whitespace. */
    public static String normalize(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        StringBuilder noPunctuation = new StringBuilder(lower.length());
        for (int i = 0; i < lower.length(); i++) {
            char c = lower.charAt(i);
            if (PUNCTUATION.indexOf(c) < 0) {
                noPunctuation.append(c);
            }
        }
        String noArticles = ARTICLES.matcher(noPunctuation).replaceAll(" ");
        return String.join(" ", tokens(noArticles));
    }

    /** Python's {@code str.split()}: runs of whitespace separate, none at the ends. */
    private static List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        for (String t : text.strip().split("[\\s\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]+")) {
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }

    /** 1 when the normalised texts are equal. */
    public static double exactMatch(String prediction, String gold) {
        return normalize(prediction).equals(normalize(gold)) ? 1.0 : 0.0;
    }

    /** Token-overlap F1 of the normalised texts; two empty texts score 1, one empty text 0 (v2's rule). */
    public static double f1(String prediction, String gold) {
        List<String> predicted = tokens(normalize(prediction));
        List<String> expected = tokens(normalize(gold));
        if (predicted.isEmpty() || expected.isEmpty()) {
            return predicted.equals(expected) ? 1.0 : 0.0;
        }
        Map<String, Integer> counts = new HashMap<>();
        for (String t : expected) {
            counts.merge(t, 1, Integer::sum);
        }
        int same = 0;
        for (String t : predicted) {
            Integer left = counts.get(t);
            if (left != null && left > 0) {
                counts.put(t, left - 1);
                same++;
            }
        }
        if (same == 0) {
            return 0.0;
        }
        double precision = (double) same / predicted.size();
        double recall = (double) same / expected.size();
        return 2 * precision * recall / (precision + recall);
    }

    /** v2's gold answers: those that are not empty after normalisation, or [""] when none is left. */
    static List<String> goldAnswers(Question question) {
        List<String> gold = question.answers().stream().filter(a -> !normalize(a).isEmpty()).toList();
        return gold.isEmpty() ? List.of("") : gold;
    }

    /**
     * SQuAD v1.1's {@code evaluate-v1.1.py}: {@code exact_match} and {@code f1} in percent, the best over each
     * question's gold answers, none filtered (a gold answer that normalises to nothing, such as "the", is matched
     * exactly only by a prediction that does too). A missing prediction scores 0.
     */
    public static Map<String, Double> evaluateV1(Collection<Question> questions, Map<String, String> predictions) {
        if (questions.isEmpty()) {
            throw new IllegalArgumentException("no questions to score");
        }
        double exact = 0;
        double f1 = 0;
        for (Question q : questions) {
            String predicted = predictions.get(q.id());
            if (predicted == null) {
                continue;
            }
            exact += q.answers().stream().mapToDouble(g -> exactMatch(predicted, g)).max().orElse(0);
            f1 += q.answers().stream().mapToDouble(g -> f1V1(predicted, g)).max().orElse(0);
        }
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("exact_match", 100 * exact / questions.size());
        out.put("f1", 100 * f1 / questions.size());
        return out;
    }

    /** v1's F1: no overlap (also when either side normalises to nothing) scores 0. */
    static double f1V1(String prediction, String gold) {
        List<String> predicted = tokens(normalize(prediction));
        List<String> expected = tokens(normalize(gold));
        return predicted.isEmpty() || expected.isEmpty() ? 0.0 : f1(prediction, gold);
    }

    /**
     * SQuAD v2.0's {@code evaluate-v2.0.py}: scores {@code predictions} (question id → answer text, "" for no
     * answer); a missing prediction counts as "".
     * With {@code noAnswerProbabilities} (may be null) the result also holds v2's best thresholds. Keys as the
     * official scripts print them: {@code exact}, {@code f1}, {@code total}, {@code HasAns_*}, {@code NoAns_*},
     * {@code best_exact}, {@code best_exact_thresh}, {@code best_f1}, {@code best_f1_thresh}.
     */
    public static Map<String, Double> evaluate(Collection<Question> questions, Map<String, String> predictions,
                                               Map<String, Double> noAnswerProbabilities) {
        if (questions.isEmpty()) {
            throw new IllegalArgumentException("no questions to score");
        }
        Map<String, Double> exact = new LinkedHashMap<>();
        Map<String, Double> f1 = new LinkedHashMap<>();
        Map<String, Boolean> hasAnswer = new LinkedHashMap<>();
        for (Question q : questions) {
            String predicted = predictions.getOrDefault(q.id(), "");
            List<String> gold = goldAnswers(q);
            exact.put(q.id(), gold.stream().mapToDouble(g -> exactMatch(predicted, g)).max().orElse(0));
            f1.put(q.id(), gold.stream().mapToDouble(g -> f1(predicted, g)).max().orElse(0));
            hasAnswer.put(q.id(), !gold.get(0).isEmpty());
        }
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("exact", 100 * mean(exact.values()));
        out.put("f1", 100 * mean(f1.values()));
        out.put("total", (double) questions.size());
        for (boolean answerable : new boolean[] {true, false}) {
            List<String> ids = hasAnswer.entrySet().stream().filter(e -> e.getValue() == answerable)
                    .map(Map.Entry::getKey).toList();
            if (!ids.isEmpty()) {
                String prefix = answerable ? "HasAns_" : "NoAns_";
                out.put(prefix + "exact", 100 * mean(ids.stream().map(exact::get).toList()));
                out.put(prefix + "f1", 100 * mean(ids.stream().map(f1::get).toList()));
                out.put(prefix + "total", (double) ids.size());
            }
        }
        if (noAnswerProbabilities != null) {
            double[] bestExact = bestThreshold(predictions, exact, noAnswerProbabilities, hasAnswer);
            double[] bestF1 = bestThreshold(predictions, f1, noAnswerProbabilities, hasAnswer);
            out.put("best_exact", bestExact[0]);
            out.put("best_exact_thresh", bestExact[1]);
            out.put("best_f1", bestF1[0]);
            out.put("best_f1_thresh", bestF1[1]);
        }
        return out;
    }

    /**
     * {@code find_best_thresh}: walking the questions by rising no-answer probability, the threshold below which
     * answering (and above which abstaining) scores best; returns {score in percent, threshold}.
     */
    static double[] bestThreshold(Map<String, String> predictions, Map<String, Double> scores,
                                  Map<String, Double> noAnswerProbabilities, Map<String, Boolean> hasAnswer) {
        double current = hasAnswer.values().stream().filter(a -> !a).count();
        double best = current;
        double threshold = 0.0;
        List<String> ids = new ArrayList<>(noAnswerProbabilities.keySet());
        ids.sort((a, b) -> Double.compare(noAnswerProbabilities.get(a), noAnswerProbabilities.get(b)));
        for (String id : ids) {
            if (!scores.containsKey(id)) {
                continue;
            }
            double diff;
            if (hasAnswer.get(id)) {
                diff = scores.get(id);
            } else {
                diff = predictions.getOrDefault(id, "").isEmpty() ? 0 : -1;
            }
            current += diff;
            if (current > best) {
                best = current;
                threshold = noAnswerProbabilities.get(id);
            }
        }
        return new double[] {100.0 * best / scores.size(), threshold};
    }

    private static double mean(Collection<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** For tests and reports: the normalised tokens, as the F1 counts them. */
    public static List<String> normalizedTokens(String text) {
        return tokens(normalize(text));
    }
}

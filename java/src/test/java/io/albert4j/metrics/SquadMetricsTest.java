package io.albert4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The official SQuAD normalisation and scores on hand-computed cases, including v2's no-answer rules. */
class SquadMetricsTest {
    @Test
    void normalisationLowersStripsPunctuationArticlesAndSpaces() {
        assertEquals("united states", SquadMetrics.normalize("The  United States!"));
        assertEquals("cat in hat", SquadMetrics.normalize("A cat, in\tthe hat."));
        // "an" inside a word stays; the hyphen goes without a space, as string.punctuation removal does
        assertEquals("banana xray", SquadMetrics.normalize("a banana, X-ray"));
        assertEquals("", SquadMetrics.normalize("the ..."));
    }

    @Test
    void exactMatchAndTokenF1() {
        assertEquals(1.0, SquadMetrics.exactMatch("the Denver Broncos", "Denver Broncos"));
        assertEquals(0.0, SquadMetrics.exactMatch("Denver", "Denver Broncos"));
        // prediction {denver, broncos, won}, gold {denver, broncos}: P 2/3, R 1, F1 0.8
        assertEquals(0.8, SquadMetrics.f1("Denver Broncos won", "the Denver Broncos"), 1e-12);
        // repeated tokens count once each: pred {a1 a1 b}, gold {a1 b b}: overlap 2, P 2/3, R 2/3
        assertEquals(2.0 / 3, SquadMetrics.f1("x x y", "x y y"), 1e-12);
        assertEquals(0.0, SquadMetrics.f1("Paris", "London"));
    }

    @Test
    void emptyAnswersFollowVersionTwo() {
        assertEquals(1.0, SquadMetrics.f1("", ""));
        assertEquals(0.0, SquadMetrics.f1("", "Paris"));
        assertEquals(0.0, SquadMetrics.f1("Paris", ""));
    }

    @Test
    void bestOfTheGoldAnswersAndTheNoAnswerCase() {
        List<SquadMetrics.Question> questions = List.of(
                new SquadMetrics.Question("q1", List.of("Denver Broncos", "Broncos")),
                new SquadMetrics.Question("q2", List.of()),           // unanswerable
                new SquadMetrics.Question("q3", List.of("1850s")));
        Map<String, String> predictions = Map.of("q1", "broncos", "q2", "", "q3", "the 1850s and 1860s");
        Map<String, Double> r = SquadMetrics.evaluate(questions, predictions, null);
        // q1 exact via "Broncos"; q2 right by abstaining; q3 F1: pred {1850s, and, 1860s} gold {1850s}: P 1/3 R 1
        assertEquals(100.0 * 2 / 3, r.get("exact"), 1e-9);
        assertEquals(100.0 * (1 + 1 + 0.5) / 3, r.get("f1"), 1e-9);
        assertEquals(2.0, r.get("HasAns_total"));
        assertEquals(1.0, r.get("NoAns_total"));
        assertEquals(100.0, r.get("NoAns_exact"));
    }

    @Test
    void versionOneKeepsEveryGoldAnswerAndScoresMissingPredictionsZero() {
        List<SquadMetrics.Question> article = List.of(new SquadMetrics.Question("q", List.of("the")));
        // v1 does not drop a gold answer that normalises to nothing: "The" matches it exactly, with no F1 overlap.
        assertEquals(100.0, SquadMetrics.evaluateV1(article, Map.of("q", "The")).get("exact_match"));
        assertEquals(0.0, SquadMetrics.evaluateV1(article, Map.of("q", "The")).get("f1"));
        List<SquadMetrics.Question> two = List.of(new SquadMetrics.Question("a", List.of("Paris")),
                new SquadMetrics.Question("b", List.of("London")));
        Map<String, Double> r = SquadMetrics.evaluateV1(two, Map.of("a", "paris"));
        assertEquals(50.0, r.get("exact_match"));
        assertEquals(50.0, r.get("f1"));
    }

    @Test
    void bestThresholdFromTheNullOdds() {
        List<SquadMetrics.Question> questions = List.of(
                new SquadMetrics.Question("a", List.of("x")),
                new SquadMetrics.Question("b", List.of()),
                new SquadMetrics.Question("c", List.of("z")));
        // Every question answered; "b" wrongly. Null odds order: a (-3), b (1), c (2).
        Map<String, String> predictions = Map.of("a", "x", "b", "y", "c", "z");
        Map<String, Double> odds = Map.of("a", -3.0, "b", 1.0, "c", 2.0);
        Map<String, Double> r = SquadMetrics.evaluate(questions, predictions, odds);
        // Start: abstain everywhere = 1 right (b). Walking up: a +1 → 2, b -1 → 1, c +1 → 2 (not above 2).
        assertEquals(100.0 * 2 / 3, r.get("best_exact"), 1e-9);
        assertEquals(-3.0, r.get("best_exact_thresh"));
        assertEquals(100.0 * 2 / 3, r.get("exact"), 1e-9);
    }
}

package io.albert4j.metrics;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Entity-level precision, recall and F1 of tag sequences, as seqeval's default (conlleval-compatible) mode: entities
 * are chunks of IOB1/IOB2/IOBES tags ({@code B-PER I-PER}, {@code S-LOC}, ...), a chunk ends where the tag scheme
 * or the type says so, and an entity counts only when type, start and end all match (micro average).
 */
public final class EntityMetrics {
    private EntityMetrics() {
    }

    /** One chunk: its type, the sentence, first and last token index (inclusive). */
    public record Entity(String type, int sentence, int start, int end) {
    }

    /** Micro-averaged scores over all entities. */
    public record Scores(double precision, double recall, double f1, int predictedEntities, int goldEntities) {
    }

    public static Scores score(List<List<String>> predicted, List<List<String>> gold) {
        if (predicted.size() != gold.size()) {
            throw new IllegalArgumentException(predicted.size() + " predicted sentences for " + gold.size() + " gold");
        }
        Set<Entity> predictedEntities = new HashSet<>();
        Set<Entity> goldEntities = new HashSet<>();
        for (int s = 0; s < gold.size(); s++) {
            if (predicted.get(s).size() != gold.get(s).size()) {
                throw new IllegalArgumentException("sentence " + s + ": " + predicted.get(s).size()
                        + " predicted tags for " + gold.get(s).size() + " gold tags");
            }
            predictedEntities.addAll(entities(predicted.get(s), s));
            goldEntities.addAll(entities(gold.get(s), s));
        }
        long correct = predictedEntities.stream().filter(goldEntities::contains).count();
        double precision = predictedEntities.isEmpty() ? 0 : (double) correct / predictedEntities.size();
        double recall = goldEntities.isEmpty() ? 0 : (double) correct / goldEntities.size();
        double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return new Scores(precision, recall, f1, predictedEntities.size(), goldEntities.size());
    }

    /** seqeval's {@code get_entities} on one sentence. */
    public static List<Entity> entities(List<String> tags, int sentence) {
        List<Entity> chunks = new ArrayList<>();
        char previousTag = 'O';
        String previousType = "";
        int begin = 0;
        for (int i = 0; i <= tags.size(); i++) {
            String chunk = i < tags.size() ? tags.get(i) : "O";
            char tag = chunk.isEmpty() ? 'O' : chunk.charAt(0);
            String rest = chunk.length() > 1 ? chunk.substring(1) : "";
            int dash = rest.indexOf('-');
            String type = dash >= 0 ? rest.substring(dash + 1) : rest;
            if (type.isEmpty()) {
                type = "_";
            }
            if (endOfChunk(previousTag, tag, previousType, type)) {
                chunks.add(new Entity(previousType, sentence, begin, i - 1));
            }
            if (startOfChunk(previousTag, tag, previousType, type)) {
                begin = i;
            }
            previousTag = tag;
            previousType = type;
        }
        return chunks;
    }

    private static boolean endOfChunk(char previous, char tag, String previousType, String type) {
        return previous == 'E' || previous == 'S'
                || ((previous == 'B' || previous == 'I') && (tag == 'B' || tag == 'S' || tag == 'O'))
                || (previous != 'O' && previous != '.' && !previousType.equals(type));
    }

    private static boolean startOfChunk(char previous, char tag, String previousType, String type) {
        return tag == 'B' || tag == 'S'
                || ((previous == 'E' || previous == 'S' || previous == 'O') && (tag == 'E' || tag == 'I'))
                || (tag != 'O' && tag != '.' && !previousType.equals(type));
    }
}

package io.albert4j.tokenizer;

import io.albert4j.tokenizer.SentencePieceModel.Piece;
import io.albert4j.tokenizer.SentencePieceModel.PieceType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Trains a SentencePiece unigram model the way {@code spm_train --model_type=unigram} does, so that spm_encode and
 * {@link SentencePieceProcessor} load the result and segment alike:
 * <ol>
 * <li>sentences are normalised with nmt_nfkc (spm's precompiled charsmap) and cut into words at each "▁" and at
 *     each user-defined symbol (those are always their own token when encoding, so no piece may contain one);</li>
 * <li>characters covering {@code characterCoverage} of all occurrences are required, rarer ones become unknown;</li>
 * <li>seeds: every character plus the substrings (at most {@code maxPieceLength}, "▁" only in front, one Unicode
 *     script) seen twice or more and followed by different characters, best {@code count × length} first;</li>
 * <li>EM on the word lattice: the E-step sums forward-backward marginals, the M-step drops pieces expected fewer
 *     than 0.5 times and scores the rest {@code digamma(count) − digamma(total)} (spm's Bayesian EM);</li>
 * <li>after every {@code subIterations} EM steps, pieces are pruned to {@code shrinkingFactor} of their number by
 *     the likelihood lost when each is replaced by its best split, until at most 1.1 × vocabSize remain;</li>
 * <li>the final vocabulary holds every required character and then the best-scored pieces.</li>
 * </ol>
 * Words are counted once with their frequency, so the work grows with distinct words, not with corpus size; the
 * E-step and the pruning Viterbi run on parallel streams.
 */
public final class UnigramTrainer {
    private static final int SPACE = '\u2581';
    /** spm's kUnkPenalty: unknown characters score this much below the worst piece. */
    private static final double UNK_PENALTY = 10.0;
    /** spm's kExpectedFrequencyThreshold: pieces expected less often than this are dropped by the M-step. */
    private static final double MIN_EXPECTED_COUNT = 0.5;
    /** spm keeps 10% more pieces than asked while pruning and picks the best at the end. */
    private static final double PRUNE_MARGIN = 1.1;
    /** spm's kMinScorePenaltyDelta: required characters added at the end get distinct low scores. */
    private static final double REQUIRED_CHAR_PENALTY_STEP = 0.0001;
    private static final String PAD = "<pad>";
    private static final String UNK = "<unk>";

    private final UnigramTrainerConfig config;
    private final byte[] charsmap;
    private final SpmNormalizer normalizer;

    // Corpus: distinct words as dense character ids (0 = character not required) with their frequencies.
    private int[][] words;
    private long[] wordFreq;
    private int[] charCodePoints; // charId -> code point (index 0 unused)
    private long[] charCount;
    private int[] charScript;
    private SubstringTrie trie;

    // Pieces: the seeds, of which the active ones form the current vocabulary.
    private int[] seedOfNode;
    private int[][] seedChars;
    private double[] score;
    private boolean[] active;
    private int activeCount;

    private UnigramTrainer(UnigramTrainerConfig config) {
        this.config = config;
        this.charsmap = loadCharsmap();
        PrecompiledCharsMap map;
        try {
            map = new PrecompiledCharsMap(charsmap);
        } catch (ProtoWire.MalformedException e) {
            throw new IllegalStateException("bundled nmt_nfkc charsmap is corrupt: " + e.getMessage(), e);
        }
        ByteTrie userSymbols = null;
        if (!config.userDefinedSymbols().isEmpty()) {
            byte[][] keys = config.userDefinedSymbols().stream().map(s -> s.getBytes(StandardCharsets.UTF_8))
                    .toArray(byte[][]::new);
            userSymbols = new ByteTrie(keys, new int[keys.length]);
        }
        this.normalizer = new SpmNormalizer(map, userSymbols, true, true, true, false);
    }

    /** Trains on the given sentences (one per element; blank ones are skipped). */
    public static SentencePieceModel train(Iterable<String> sentences, UnigramTrainerConfig config) {
        return new UnigramTrainer(config).run(sentences);
    }

    public static SentencePieceModel train(Stream<String> sentences, UnigramTrainerConfig config) {
        return train(sentences::iterator, config);
    }

    private static byte[] loadCharsmap() {
        try (InputStream in = UnigramTrainer.class.getResourceAsStream("nmt_nfkc.charsmap")) {
            if (in == null) {
                throw new IllegalStateException("resource io/albert4j/tokenizer/nmt_nfkc.charsmap is missing");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundled nmt_nfkc charsmap", e);
        }
    }

    private SentencePieceModel run(Iterable<String> sentences) {
        try {
            countWords(sentences);
            buildSeeds();
            int target = config.vocabSize() - specialCount();
            if (seedChars.length < target) {
                throw tooLarge(seedChars.length);
            }
            expectationMaximization(target);
            return buildModel(finalPieces(target));
        } finally {
            config.progress().finished();
        }
    }

    private int specialCount() {
        return 2 + config.controlSymbols().size() + config.userDefinedSymbols().size();
    }

    private IllegalArgumentException tooLarge(int learnable) {
        return new IllegalArgumentException("unigram trainer: vocab size " + config.vocabSize()
                + " is too large for this corpus: at most " + learnable + " pieces can be learned from it (+"
                + specialCount() + " special pieces = " + (learnable + specialCount()) + ")");
    }

    // ---- 1. corpus -> weighted words -------------------------------------------------------------------------

    private void countWords(Iterable<String> sentences) {
        Map<String, long[]> counts = new HashMap<>();
        List<String> userSymbols = new ArrayList<>(config.userDefinedSymbols());
        userSymbols.sort(Comparator.comparingInt(String::length).reversed()); // longest match first
        long read = 0;
        long skipped = 0;
        for (String sentence : sentences) {
            if (read >= config.maxSentences()) {
                break;
            }
            if (sentence == null || sentence.isBlank()) {
                continue;
            }
            byte[] utf8 = sentence.getBytes(StandardCharsets.UTF_8);
            if (utf8.length > config.maxSentenceBytes()) {
                skipped++;
                continue;
            }
            read++;
            String normalized = new String(normalizer.normalize(utf8), StandardCharsets.UTF_8);
            splitWords(normalized, userSymbols, counts);
            if (read % 20_000 == 0) {
                config.progress().update("reading", read, -1, counts.size() + " distinct words");
            }
        }
        config.progress().update("reading", read, read, counts.size() + " distinct words"
                + (skipped > 0 ? ", " + skipped + " sentences over " + config.maxSentenceBytes() + " bytes skipped" : ""));
        if (counts.isEmpty()) {
            throw new IllegalArgumentException("unigram trainer: the corpus is empty (no non-blank sentences"
                    + (skipped > 0 ? "; " + skipped + " were longer than " + config.maxSentenceBytes() + " bytes" : "")
                    + ")");
        }
        chooseRequiredCharacters(counts);
        Map<Integer, Integer> charIds = new HashMap<>();
        for (int id = 1; id < charCodePoints.length; id++) {
            charIds.put(charCodePoints[id], id);
        }
        words = new int[counts.size()][];
        wordFreq = new long[counts.size()];
        int index = 0;
        for (Map.Entry<String, long[]> entry : counts.entrySet()) {
            words[index] = entry.getKey().codePoints().map(c -> charIds.getOrDefault(c, 0)).toArray();
            wordFreq[index] = entry.getValue()[0];
            index++;
        }
    }

    /** spm's SplitIntoWords ("▁" starts a word) plus a cut around every user-defined symbol, which is dropped. */
    private static void splitWords(String text, List<String> userSymbols, Map<String, long[]> counts) {
        int start = 0;
        int i = 0;
        while (i < text.length()) {
            String symbol = null;
            for (String candidate : userSymbols) {
                if (text.startsWith(candidate, i)) {
                    symbol = candidate;
                    break;
                }
            }
            if (symbol != null) {
                addWord(text, start, i, counts);
                i += symbol.length();
                start = i;
            } else if (text.charAt(i) == SPACE && i > start) {
                addWord(text, start, i, counts);
                start = i;
                i++;
            } else {
                i++;
            }
        }
        addWord(text, start, text.length(), counts);
    }

    private static void addWord(String text, int from, int to, Map<String, long[]> counts) {
        if (to > from) {
            counts.computeIfAbsent(text.substring(from, to), k -> new long[1])[0]++;
        }
    }

    /** The most frequent characters until {@code characterCoverage} of all occurrences; ids 1.. by frequency. */
    private void chooseRequiredCharacters(Map<String, long[]> counts) {
        Map<Integer, long[]> chars = new HashMap<>();
        long total = 0;
        for (Map.Entry<String, long[]> entry : counts.entrySet()) {
            long freq = entry.getValue()[0];
            for (int c : entry.getKey().codePoints().toArray()) {
                chars.computeIfAbsent(c, k -> new long[1])[0] += freq;
                total += freq;
            }
        }
        List<Map.Entry<Integer, long[]>> sorted = new ArrayList<>(chars.entrySet());
        sorted.sort((a, b) -> a.getValue()[0] != b.getValue()[0] ? Long.compare(b.getValue()[0], a.getValue()[0])
                : Integer.compare(a.getKey(), b.getKey()));
        List<Integer> required = new ArrayList<>();
        long accumulated = 0;
        for (Map.Entry<Integer, long[]> entry : sorted) {
            if ((double) accumulated / total >= config.characterCoverage()) {
                break;
            }
            accumulated += entry.getValue()[0];
            required.add(entry.getKey());
        }
        charCodePoints = new int[required.size() + 1];
        charCount = new long[required.size() + 1];
        charScript = new int[required.size() + 1];
        for (int id = 1; id <= required.size(); id++) {
            int c = required.get(id - 1);
            charCodePoints[id] = c;
            charCount[id] = chars.get(c)[0];
            charScript[id] = scriptOf(c);
        }
    }

    private static final int SCRIPT_NONE = -1;
    private static final int SCRIPT_INHERITED = -2;

    /** The Unicode script that bounds pieces (spm's split_by_unicode_script); kana count as Han like in spm. */
    private static int scriptOf(int c) {
        if (c == SPACE) {
            return SCRIPT_NONE;
        }
        Character.UnicodeScript script;
        try {
            script = Character.UnicodeScript.of(c);
        } catch (IllegalArgumentException e) {
            return Character.UnicodeScript.UNKNOWN.ordinal();
        }
        if (script == Character.UnicodeScript.HIRAGANA || script == Character.UnicodeScript.KATAKANA || c == 0x30FC) {
            return Character.UnicodeScript.HAN.ordinal();
        }
        return script == Character.UnicodeScript.INHERITED ? SCRIPT_INHERITED : script.ordinal();
    }

    // ---- 2. seed pieces --------------------------------------------------------------------------------------

    private void buildSeeds() {
        trie = new SubstringTrie();
        int maxLength = config.maxPieceLength();
        for (int w = 0; w < words.length; w++) {
            int[] word = words[w];
            long freq = wordFreq[w];
            for (int start = 0; start < word.length; start++) {
                int node = SubstringTrie.ROOT;
                int script = SCRIPT_NONE;
                for (int end = start; end < word.length && end - start < maxLength; end++) {
                    int c = word[end];
                    if (c == 0 || (charCodePoints[c] == SPACE && end > start)) {
                        break;
                    }
                    int s = charScript[c];
                    if (s == SCRIPT_INHERITED) {
                        s = script;
                    }
                    if (s != SCRIPT_NONE && script != SCRIPT_NONE && s != script) {
                        break;
                    }
                    if (s != SCRIPT_NONE) {
                        script = s;
                    }
                    node = trie.childOrAdd(node, c);
                    trie.addOccurrence(node, freq, end + 1 < word.length ? word[end + 1] : SubstringTrie.BRANCHING);
                }
            }
        }
        // Every required character, then the longer substrings by count x length.
        List<Integer> seeds = new ArrayList<>();
        List<Integer> longer = new ArrayList<>();
        for (int node = 1; node < trie.size(); node++) {
            if (trie.depth(node) == 1) {
                seeds.add(node);
            } else if (trie.count(node) >= 2 && trie.isBranching(node)) {
                longer.add(node);
            }
        }
        longer.sort((a, b) -> Long.compare(trie.count(b) * trie.depth(b), trie.count(a) * trie.depth(a)));
        int room = Math.max(0, config.seedSize() - seeds.size());
        seeds.addAll(longer.subList(0, Math.min(room, longer.size())));
        seedOfNode = new int[trie.size()];
        Arrays.fill(seedOfNode, -1);
        seedChars = new int[seeds.size()][];
        score = new double[seeds.size()];
        active = new boolean[seeds.size()];
        double total = 0;
        for (int node : seeds) {
            total += trie.count(node);
        }
        double logTotal = Math.log(total);
        for (int id = 0; id < seeds.size(); id++) {
            int node = seeds.get(id);
            seedOfNode[node] = id;
            seedChars[id] = trie.characters(node);
            score[id] = Math.log(trie.count(node)) - logTotal;
            active[id] = true;
        }
        activeCount = seeds.size();
        config.progress().update("seeding", 1, 1, String.format(Locale.ROOT,
                "%d distinct words, %d characters, %d substrings, %d seed pieces", words.length,
                charCodePoints.length - 1, trie.size() - 1, seeds.size()));
    }

    // ---- 3. EM and pruning -----------------------------------------------------------------------------------

    private void expectationMaximization(int target) {
        int desired = (int) (target * PRUNE_MARGIN);
        int rounds = Math.max(1, (int) Math.ceil(Math.log((double) desired / activeCount)
                / Math.log(config.shrinkingFactor())) + 1);
        int round = 0;
        while (true) {
            double objective = 0;
            for (int iteration = 0; iteration < config.subIterations(); iteration++) {
                objective = maximize(expectedCounts());
            }
            round++;
            config.progress().update("EM", Math.min(round, rounds), rounds, String.format(Locale.ROOT,
                    "%d pieces, objective %.4f", activeCount, objective));
            if (activeCount <= desired) {
                break;
            }
            int before = activeCount;
            prune(desired);
            if (activeCount >= before) {
                break; // nothing left that may be pruned
            }
            rounds = round + 1 + Math.max(0, (int) Math.ceil(Math.log((double) desired / activeCount)
                    / Math.log(config.shrinkingFactor())));
        }
        config.progress().update("EM", rounds, rounds, activeCount + " pieces");
    }

    private double unknownScore() {
        double min = Double.MAX_VALUE;
        for (int id = 0; id < score.length; id++) {
            if (active[id]) {
                min = Math.min(min, score[id]);
            }
        }
        return min - UNK_PENALTY;
    }

    /**
     * Words are dealt round-robin into this many chunks, summed in chunk order: a fixed number rather than one per
     * core so that the floating-point sums, and hence the model, are the same on every machine.
     */
    private int chunks() {
        return Math.min(words.length, 16);
    }

    /** Expected piece counts over all words (E-step); the last slot holds the negative log-likelihood per word. */
    private double[] expectedCounts() {
        double unk = unknownScore();
        int chunks = chunks();
        return IntStream.range(0, chunks).parallel().mapToObj(chunk -> {
            double[] expected = new double[score.length + 1];
            Lattice lattice = new Lattice();
            for (int w = chunk; w < words.length; w += chunks) {
                lattice.build(words[w], -1, unk);
                expected[score.length] -= lattice.addMarginals(wordFreq[w], expected);
            }
            return expected;
        }).toList().stream().reduce(UnigramTrainer::sum).orElseThrow();
    }

    private static double[] sum(double[] a, double[] b) {
        for (int i = 0; i < a.length; i++) {
            a[i] += b[i];
        }
        return a;
    }

    /** spm's Bayesian M-step; returns the E-step objective (negative log-likelihood per word occurrence). */
    private double maximize(double[] expected) {
        double total = 0;
        for (int id = 0; id < score.length; id++) {
            if (active[id] && expected[id] < MIN_EXPECTED_COUNT) {
                active[id] = false;
                activeCount--;
            } else if (active[id]) {
                total += expected[id];
            }
        }
        double logTotal = digamma(total);
        for (int id = 0; id < score.length; id++) {
            if (active[id]) {
                score[id] = digamma(expected[id]) - logTotal;
            }
        }
        long occurrences = 0;
        for (long f : wordFreq) {
            occurrences += f;
        }
        return expected[score.length] / occurrences;
    }

    /** ψ(x) by the recurrence up to 7 and the asymptotic series beyond. */
    static double digamma(double x) {
        double result = 0;
        while (x < 7) {
            result -= 1 / x;
            x += 1;
        }
        double inv = 1 / x;
        double inv2 = inv * inv;
        return result + Math.log(x) - 0.5 * inv
                - inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (1.0 / 252 - inv2 * (1.0 / 240 - inv2 / 132))));
    }

    /**
     * spm's PruneSentencePieces: a piece whose own best split is not itself goes; one without any split stays;
     * the others are ranked by the log-likelihood lost when their Viterbi uses pass to their best split.
     */
    private void prune(int desired) {
        double unk = unknownScore();
        int[][] alternatives = new int[score.length][];
        boolean[] redundant = new boolean[score.length];
        IntStream.range(0, score.length).parallel().forEach(new java.util.function.IntConsumer() {
            private final ThreadLocal<Lattice> lattices = ThreadLocal.withInitial(Lattice::new);

            @Override
            public void accept(int id) {
                if (!active[id] || seedChars[id].length == 1) {
                    return;
                }
                Lattice lattice = lattices.get();
                lattice.build(seedChars[id], id, unk);
                double alternative = lattice.viterbi();
                if (alternative > score[id]) {
                    redundant[id] = true;
                } else {
                    alternatives[id] = lattice.bestPath();
                }
            }
        });
        int chunks = chunks();
        double[] freq = IntStream.range(0, chunks).parallel().mapToObj(chunk -> {
            double[] counts = new double[score.length];
            Lattice lattice = new Lattice();
            for (int w = chunk; w < words.length; w += chunks) {
                lattice.build(words[w], -1, unk);
                lattice.viterbi();
                for (int id : lattice.bestPath()) {
                    if (id >= 0) {
                        counts[id] += wordFreq[w];
                    }
                }
            }
            return counts;
        }).toList().stream().reduce(UnigramTrainer::sum).orElseThrow();
        double total = 0;
        double occurrences = 0;
        for (int id = 0; id < score.length; id++) {
            total += active[id] ? freq[id] : 0;
        }
        for (long f : wordFreq) {
            occurrences += f;
        }
        double logTotal = Math.log(total);
        boolean[] kept = new boolean[score.length];
        int keptCount = 0;
        List<double[]> candidates = new ArrayList<>(); // {loss, id}
        for (int id = 0; id < score.length; id++) {
            if (!active[id] || freq[id] == 0 || redundant[id]) {
                continue;
            }
            int[] alternative = alternatives[id];
            if (alternative == null) {
                kept[id] = true;
                keptCount++;
                continue;
            }
            double logProb = Math.log(freq[id]) - logTotal;
            double logTotalAlternative = Math.log(total + freq[id] * (alternative.length - 1));
            double logProbAlternative = 0;
            for (int other : alternative) {
                logProbAlternative += Math.log((other >= 0 ? freq[other] : 0) + freq[id]) - logTotalAlternative;
            }
            double loss = freq[id] / occurrences * (logProb - logProbAlternative);
            candidates.add(new double[] {loss, id});
        }
        candidates.sort((a, b) -> Double.compare(b[0], a[0]));
        int prunedSize = Math.max(desired, (int) (config.shrinkingFactor() * activeCount));
        for (double[] candidate : candidates) {
            if (keptCount >= prunedSize) {
                break;
            }
            kept[(int) candidate[1]] = true;
            keptCount++;
        }
        System.arraycopy(kept, 0, active, 0, kept.length);
        activeCount = keptCount;
    }

    /**
     * The segmentation lattice of one word (or piece) under the current vocabulary, with spm's unknown node for a
     * character no active piece starts with. Reused per thread.
     */
    private final class Lattice {
        private int length;
        private int edges;
        private int[] from = new int[64];
        private int[] to = new int[64];
        private int[] piece = new int[64];
        private double[] weight = new double[64];
        private double[] forward = new double[32];
        private double[] backward = new double[32];
        private int[] bestEdge = new int[32];

        void build(int[] chars, int excluded, double unknownScore) {
            length = chars.length;
            edges = 0;
            if (forward.length <= length) {
                forward = new double[length * 2 + 1];
                backward = new double[length * 2 + 1];
                bestEdge = new int[length * 2 + 1];
            }
            int maxLength = config.maxPieceLength();
            for (int start = 0; start < length; start++) {
                boolean single = false;
                int node = SubstringTrie.ROOT;
                for (int end = start; end < length && end - start < maxLength; end++) {
                    node = trie.child(node, chars[end]);
                    if (node < 0) {
                        break;
                    }
                    int id = seedOfNode[node];
                    if (id >= 0 && active[id] && id != excluded) {
                        add(start, end + 1, id, score[id]);
                        single |= end == start;
                    }
                }
                if (!single) {
                    add(start, start + 1, -1, unknownScore);
                }
            }
        }

        private void add(int start, int end, int id, double s) {
            if (edges == from.length) {
                from = Arrays.copyOf(from, edges * 2);
                to = Arrays.copyOf(to, edges * 2);
                piece = Arrays.copyOf(piece, edges * 2);
                weight = Arrays.copyOf(weight, edges * 2);
            }
            from[edges] = start;
            to[edges] = end;
            piece[edges] = id;
            weight[edges] = s;
            edges++;
        }

        /** Adds {@code freq ×} each piece's marginal to {@code expected}; returns {@code freq ×} log Z. */
        double addMarginals(long freq, double[] expected) {
            Arrays.fill(forward, 0, length + 1, Double.NEGATIVE_INFINITY);
            Arrays.fill(backward, 0, length + 1, Double.NEGATIVE_INFINITY);
            forward[0] = 0;
            backward[length] = 0;
            for (int e = 0; e < edges; e++) { // edges are ordered by start position
                forward[to[e]] = logAdd(forward[to[e]], forward[from[e]] + weight[e]);
            }
            for (int e = edges - 1; e >= 0; e--) {
                backward[from[e]] = logAdd(backward[from[e]], weight[e] + backward[to[e]]);
            }
            double logZ = forward[length];
            for (int e = 0; e < edges; e++) {
                if (piece[e] >= 0) {
                    expected[piece[e]] += freq * Math.exp(forward[from[e]] + weight[e] + backward[to[e]] - logZ);
                }
            }
            return freq * logZ;
        }

        /** Best segmentation score; {@link #bestPath()} then gives its pieces (-1 = unknown). */
        double viterbi() {
            Arrays.fill(forward, 0, length + 1, Double.NEGATIVE_INFINITY);
            forward[0] = 0;
            for (int e = 0; e < edges; e++) {
                double candidate = forward[from[e]] + weight[e];
                if (candidate > forward[to[e]]) {
                    forward[to[e]] = candidate;
                    bestEdge[to[e]] = e;
                }
            }
            return forward[length];
        }

        int[] bestPath() {
            int count = 0;
            for (int position = length; position > 0; position = from[bestEdge[position]]) {
                count++;
            }
            int[] path = new int[count];
            for (int position = length; position > 0; position = from[bestEdge[position]]) {
                path[--count] = piece[bestEdge[position]];
            }
            return path;
        }
    }

    private static double logAdd(double a, double b) {
        if (a == Double.NEGATIVE_INFINITY) {
            return b;
        }
        if (b == Double.NEGATIVE_INFINITY) {
            return a;
        }
        return Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b)));
    }

    // ---- 4. final vocabulary and model -----------------------------------------------------------------------

    private record Scored(String piece, double score) {}

    private static final Comparator<Scored> BY_SCORE = Comparator.comparingDouble(Scored::score).reversed()
            .thenComparing(Scored::piece);

    /** spm's FinalizeSentencePieces: required characters first (missing ones just below the worst piece). */
    private List<Scored> finalPieces(int target) {
        double min = Double.MAX_VALUE;
        List<Scored> learned = new ArrayList<>();
        for (int id = 0; id < score.length; id++) {
            if (active[id]) {
                min = Math.min(min, score[id]);
                learned.add(new Scored(text(seedChars[id]), score[id]));
            }
        }
        Map<String, Double> chosen = new HashMap<>();
        double penalty = 0;
        for (int c = 1; c < charCodePoints.length; c++) {
            int node = trie.child(SubstringTrie.ROOT, c);
            int id = node < 0 ? -1 : seedOfNode[node];
            if (id >= 0 && active[id]) {
                chosen.put(text(seedChars[id]), score[id]);
            } else {
                chosen.put(Character.toString(charCodePoints[c]), min + penalty);
                penalty += REQUIRED_CHAR_PENALTY_STEP;
            }
        }
        if (chosen.size() > target) {
            throw new IllegalArgumentException("unigram trainer: vocab size " + config.vocabSize() + " is too small:"
                    + " the corpus needs " + chosen.size() + " characters + " + specialCount() + " special pieces"
                    + " (lower --character-coverage or raise the vocab size)");
        }
        learned.sort(BY_SCORE);
        for (Scored scored : learned) {
            if (chosen.size() == target) {
                break;
            }
            chosen.putIfAbsent(scored.piece(), scored.score());
        }
        if (chosen.size() < target) {
            throw tooLarge(chosen.size());
        }
        List<Scored> result = new ArrayList<>();
        chosen.forEach((piece, s) -> result.add(new Scored(piece, s)));
        result.sort(BY_SCORE);
        return result;
    }

    private String text(int[] chars) {
        StringBuilder text = new StringBuilder();
        for (int c : chars) {
            text.appendCodePoint(charCodePoints[c]);
        }
        return text.toString();
    }

    private SentencePieceModel buildModel(List<Scored> learned) {
        List<Piece> pieces = new ArrayList<>();
        pieces.add(new Piece(PAD, 0f, PieceType.CONTROL));
        pieces.add(new Piece(UNK, 0f, PieceType.UNKNOWN));
        for (String symbol : config.controlSymbols()) {
            pieces.add(new Piece(symbol, 0f, PieceType.CONTROL));
        }
        for (String symbol : config.userDefinedSymbols()) {
            pieces.add(new Piece(symbol, 0f, PieceType.USER_DEFINED));
        }
        for (Scored scored : learned) {
            pieces.add(new Piece(scored.piece(), (float) scored.score(), PieceType.NORMAL));
        }
        byte[] trainerSpec = trainerSpec();
        return new SentencePieceModel(pieces,
                new SentencePieceModel.TrainerSpec(SentencePieceModel.TrainerSpec.UNIGRAM, false, false,
                        SentencePieceModel.TrainerSpec.DEFAULT_UNK_SURFACE, trainerSpec),
                new SentencePieceModel.NormalizerSpec("nmt_nfkc", charsmap, true, true, true));
    }

    /** {@code TrainerSpec} as spm_train writes it (field numbers of sentencepiece_model.proto). */
    private byte[] trainerSpec() {
        ProtoWire.Writer spec = new ProtoWire.Writer()
                .varint(3, SentencePieceModel.TrainerSpec.UNIGRAM)
                .varint(4, config.vocabSize())
                .fixed32(10, (float) config.characterCoverage())
                .varint(11, config.maxSentences())
                .varint(14, config.seedSize())
                .fixed32(15, (float) config.shrinkingFactor())
                .varint(17, config.subIterations())
                .varint(18, config.maxSentenceBytes())
                .bool(19, false) // shuffle_input_sentence: the first maxSentences are used
                .varint(20, config.maxPieceLength())
                .bool(21, true) // split_by_unicode_script
                .bool(22, true) // split_by_whitespace
                .bool(23, true) // split_by_number
                .bool(24, false); // treat_whitespace_as_suffix
        config.controlSymbols().forEach(s -> spec.string(30, s));
        config.userDefinedSymbols().forEach(s -> spec.string(31, s));
        return spec.bool(32, true) // vocabulary_output_piece_score
                .bool(33, true) // hard_vocab_limit
                .varint(40, 1) // unk_id
                .varint(41, -1) // bos_id: none
                .varint(42, -1) // eos_id: none
                .varint(43, 0) // pad_id
                .string(44, SentencePieceModel.TrainerSpec.DEFAULT_UNK_SURFACE)
                .string(45, UNK)
                .string(48, PAD)
                .toByteArray();
    }
}

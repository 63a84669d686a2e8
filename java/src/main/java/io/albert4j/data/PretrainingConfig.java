package io.albert4j.data;

/**
 * Settings of the pretraining data pipeline. Defaults are those of GR {@code create_pretraining_data.py} and
 * {@code run_pretraining.py} (albert-spec.md §3, §4): max length 512, short_seq_prob 0.1, masked_lm_prob 0.15,
 * max_predictions_per_seq 20, ngram 3, dupe_factor 40, seed 12345.
 *
 * @param maxSeqLength          fixed row length of every batch ([CLS] A [SEP] B [SEP] plus padding), at least 5
 * @param shortSeqProb          probability that a document uses a random shorter target length
 * @param maskedLmProb          fraction of tokens to predict (0 disables masking)
 * @param maxPredictionsPerSeq  cap on predicted tokens per row
 * @param ngram                 longest masked n-gram, in whole words
 * @param dupeFactor            GR's dupe_factor: differently segmented and masked copies of the corpus, and the
 *                              passes a stream makes unless it cycles; pass {@code p} reads copy
 *                              {@code p mod dupeFactor} in a fresh order
 * @param cycle                 keep making further passes after {@code dupeFactor}, reading the copies again (for
 *                              step-limited training)
 * @param shuffleWindowDocuments documents held and shuffled at once; bounds memory (see {@code docs/data-pipeline.md})
 * @param batchSize             rows per batch
 * @param prefetchBatches       batches the background producer may run ahead
 * @param workerThreads         threads that tokenize and build instances within a window (results are ordered,
 *                              so the output does not depend on this)
 * @param seed                  the one seed every random draw derives from
 */
public record PretrainingConfig(
        int maxSeqLength,
        double shortSeqProb,
        double maskedLmProb,
        int maxPredictionsPerSeq,
        int ngram,
        int dupeFactor,
        boolean cycle,
        int shuffleWindowDocuments,
        int batchSize,
        int prefetchBatches,
        int workerThreads,
        long seed) {

    public PretrainingConfig {
        require(maxSeqLength >= 5, "maxSeqLength", "at least 5 ([CLS] A [SEP] B [SEP])", maxSeqLength);
        require(shortSeqProb >= 0 && shortSeqProb <= 1, "shortSeqProb", "in [0, 1]", shortSeqProb);
        require(maskedLmProb >= 0 && maskedLmProb <= 1, "maskedLmProb", "in [0, 1]", maskedLmProb);
        require(maxPredictionsPerSeq >= 1, "maxPredictionsPerSeq", "at least 1", maxPredictionsPerSeq);
        require(ngram >= 1, "ngram", "at least 1", ngram);
        require(dupeFactor >= 1, "dupeFactor", "at least 1", dupeFactor);
        require(shuffleWindowDocuments >= 1, "shuffleWindowDocuments", "at least 1", shuffleWindowDocuments);
        require(batchSize >= 1, "batchSize", "at least 1", batchSize);
        require(prefetchBatches >= 1, "prefetchBatches", "at least 1", prefetchBatches);
        require(workerThreads >= 1, "workerThreads", "at least 1", workerThreads);
    }

    /** The original's defaults with the given row length and batch size. */
    public static PretrainingConfig defaults(int maxSeqLength, int batchSize) {
        return new PretrainingConfig(maxSeqLength, 0.1, 0.15, 20, 3, 40, false, 4096, batchSize, 8,
                Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())), 12345L);
    }

    public PretrainingConfig withSeed(long newSeed) {
        return new PretrainingConfig(maxSeqLength, shortSeqProb, maskedLmProb, maxPredictionsPerSeq, ngram,
                dupeFactor, cycle, shuffleWindowDocuments, batchSize, prefetchBatches, workerThreads, newSeed);
    }

    public PretrainingConfig withDupeFactor(int passes, boolean keepCycling) {
        return new PretrainingConfig(maxSeqLength, shortSeqProb, maskedLmProb, maxPredictionsPerSeq, ngram,
                passes, keepCycling, shuffleWindowDocuments, batchSize, prefetchBatches, workerThreads, seed);
    }

    public PretrainingConfig withShuffleWindow(int documents) {
        return new PretrainingConfig(maxSeqLength, shortSeqProb, maskedLmProb, maxPredictionsPerSeq, ngram,
                dupeFactor, cycle, documents, batchSize, prefetchBatches, workerThreads, seed);
    }

    public PretrainingConfig withThreads(int workers, int prefetch) {
        return new PretrainingConfig(maxSeqLength, shortSeqProb, maskedLmProb, maxPredictionsPerSeq, ngram,
                dupeFactor, cycle, shuffleWindowDocuments, batchSize, prefetch, workers, seed);
    }

    public PretrainingConfig withShortSeqProb(double probability) {
        return new PretrainingConfig(maxSeqLength, probability, maskedLmProb, maxPredictionsPerSeq, ngram,
                dupeFactor, cycle, shuffleWindowDocuments, batchSize, prefetchBatches, workerThreads, seed);
    }

    private static void require(boolean ok, String name, String expected, Object actual) {
        if (!ok) {
            throw new IllegalArgumentException("PretrainingConfig: " + name + " must be " + expected + ", got " + actual);
        }
    }
}

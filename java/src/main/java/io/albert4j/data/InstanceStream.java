package io.albert4j.data;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Turns the corpus into pretraining instances one shuffle window at a time. Every window is a pure function of
 * (seed, pass, window index, start position), which is what makes the stream reproducible, parallel and
 * resumable.
 *
 * <p>Per pass: the file order is shuffled ({@code FILE_ORDER} stream of the pass). The pass is cut into windows of
 * {@code shuffleWindowDocuments} consecutive documents. Per window: documents are tokenized in parallel, empty ones
 * dropped, the rest shuffled ({@code DOCUMENT_ORDER}); each document {@code d} builds its segment pairs with its
 * own {@code SEGMENTS(pass, window, d)} stream (B of one-sentence chunks comes from another document of the same
 * window); pair {@code k} of document {@code d} is masked with {@code MASKING(pass, window, d, k)}; finally the
 * window's instances are shuffled ({@code INSTANCE_ORDER}).
 *
 * <p>{@code dupeFactor} is GR create_pretraining_data's: the corpus is made into that many differently segmented
 * and masked copies. Pass {@code p} reads copy {@code p mod dupeFactor}: every draw above but the last derives
 * from the copy, the instance order from the pass, so a copy's instances come back every {@code dupeFactor}
 * passes in a fresh order within each window, as GR's static data does when training reads it again.
 *
 * <p>Of a corpus split into parts ({@link DataParts}) a stream reads one: document {@code d} of a pass is its when
 * {@code d mod parts == part}; the others are read past, never tokenized. Every draw but the file order (which all
 * parts share) then derives from a seed of the part's own, so parts are independent streams. With one part the
 * stream is exactly the unsplit one.
 */
final class InstanceStream {
    /** One window's instances and where the next window starts. */
    record Window(List<PretrainingInstance> instances, CorpusPosition next, boolean passEnded, int documents) {
    }

    private final DocumentSource source;
    private final PretrainingConfig config;
    private final ExecutorService workers;
    private final SegmentPairBuilder pairBuilder;
    private final NgramMasker masker;
    private final AtomicInteger maxDocumentsHeld = new AtomicInteger();
    private final int part;
    private final int parts;
    /** The seed of this part's draws (the run's seed for an unsplit corpus). */
    private final long partSeed;

    InstanceStream(DocumentSource source, PretrainingConfig config, ExecutorService workers) {
        this(source, config, workers, 0, 1);
    }

    /** The stream of part {@code part} of {@code parts}. */
    InstanceStream(DocumentSource source, PretrainingConfig config, ExecutorService workers, int part, int parts) {
        this.source = source;
        this.config = config;
        this.workers = workers;
        this.part = part;
        this.parts = parts;
        this.partSeed = parts == 1 ? config.seed()
                : DeterministicRandom.derive(config.seed(), DeterministicRandom.PART, part, parts).nextLong();
        VocabularyInfo vocabulary = source.vocabulary();
        this.pairBuilder = new SegmentPairBuilder(config.maxSeqLength(), config.shortSeqProb(), vocabulary.clsId(),
                vocabulary.sepId());
        this.masker = new NgramMasker(vocabulary, config.maskedLmProb(), config.maxPredictionsPerSeq(),
                config.ngram());
    }

    NgramMasker masker() {
        return masker;
    }

    /** Which part of the corpus this stream reads (0 when it is not split). */
    int part() {
        return part;
    }

    /** Most documents any window has held at once (memory is bounded by the window, not the corpus). */
    int maxDocumentsHeld() {
        return maxDocumentsHeld.get();
    }

    int[] fileOrder(int pass) {
        int[] order = new int[source.fileCount()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        DeterministicRandom.derive(config.seed(), DeterministicRandom.FILE_ORDER, copyOf(pass)).shuffle(order);
        return order;
    }

    /** The copy of the corpus (GR's dupe) that pass {@code pass} reads. */
    private int copyOf(int pass) {
        return pass % config.dupeFactor();
    }

    Window window(int pass, int window, CorpusPosition start) throws IOException, InterruptedException {
        int[] order = fileOrder(pass);
        int copy = copyOf(pass);
        List<DocumentSource.PendingDocument> pending = new ArrayList<>();
        CorpusPosition next;
        boolean passEnded;
        try (DocumentSource.DocumentReader reader = parts == 1 ? source.open(order, start)
                : new PartReader(source.open(order, start), start.equals(CorpusPosition.START))) {
            DocumentSource.PendingDocument document = null;
            while (pending.size() < config.shuffleWindowDocuments() && (document = reader.next()) != null) {
                pending.add(document);
            }
            next = reader.position();
            passEnded = document == null || next.fileSlot() >= order.length;
        }
        maxDocumentsHeld.accumulateAndGet(pending.size(), Math::max);

        List<int[][]> documents = new ArrayList<>();
        for (int[][] sentences : runAll(pending.stream().map(p -> (Callable<int[][]>) p::sentences).toList())) {
            if (sentences.length > 0) {
                documents.add(sentences);
            }
        }
        long seed = partSeed;
        DeterministicRandom.derive(seed, DeterministicRandom.DOCUMENT_ORDER, copy, window).shuffle(documents);

        List<Callable<List<PretrainingInstance>>> tasks = new ArrayList<>();
        for (int d = 0; d < documents.size(); d++) {
            int documentIndex = d;
            tasks.add(() -> {
                List<SegmentPair> pairs = pairBuilder.build(documents, documentIndex,
                        DeterministicRandom.derive(seed, DeterministicRandom.SEGMENTS, copy, window, documentIndex));
                List<PretrainingInstance> instances = new ArrayList<>(pairs.size());
                for (int k = 0; k < pairs.size(); k++) {
                    SegmentPair pair = pairs.get(k);
                    MaskedTokens masked = masker.mask(pair.tokens(), DeterministicRandom.derive(seed,
                            DeterministicRandom.MASKING, copy, window, documentIndex, k));
                    instances.add(new PretrainingInstance(masked.inputIds(), pair.segmentIds(),
                            pair.sentenceOrderLabel(), masked.maskedPositions(), masked.maskedLabels()));
                }
                return instances;
            });
        }
        List<PretrainingInstance> instances = new ArrayList<>();
        for (List<PretrainingInstance> perDocument : runAll(tasks)) {
            instances.addAll(perDocument);
        }
        DeterministicRandom.derive(seed, DeterministicRandom.INSTANCE_ORDER, pass, window).shuffle(instances);
        return new Window(instances, next, passEnded, documents.size());
    }

    /**
     * This part's documents of a pass: the reader stands on one of them from the start (at the start of a pass it
     * first reads past the {@code part} documents of the parts before it), and after returning one reads past the
     * {@code parts - 1} documents of the other parts, so {@link #position()} is always where this part's next
     * document starts, which is what a cursor saves.
     */
    private final class PartReader implements DocumentSource.DocumentReader {
        private final DocumentSource.DocumentReader all;
        private boolean ended;

        PartReader(DocumentSource.DocumentReader all, boolean atPassStart) throws IOException {
            this.all = all;
            if (atPassStart) {
                skip(part);
            }
        }

        private void skip(int documents) throws IOException {
            for (int i = 0; i < documents && !ended; i++) {
                ended = all.next() == null;  // read past, never tokenized
            }
        }

        @Override
        public DocumentSource.PendingDocument next() throws IOException {
            if (ended) {
                return null;
            }
            DocumentSource.PendingDocument mine = all.next();
            if (mine == null) {
                ended = true;
                return null;
            }
            skip(parts - 1);
            return mine;
        }

        @Override
        public CorpusPosition position() {
            return all.position();
        }

        @Override
        public void close() throws IOException {
            all.close();
        }
    }

    /** Runs tasks on the workers and returns their results in task order (so thread timing cannot matter). */
    private <T> List<T> runAll(List<Callable<T>> tasks) throws InterruptedException {
        List<Future<T>> futures = workers.invokeAll(tasks);
        List<T> results = new ArrayList<>(futures.size());
        for (Future<T> future : futures) {
            try {
                results.add(future.get());
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException runtime) {
                    throw runtime;
                }
                if (cause instanceof Error error) {
                    throw error;
                }
                throw new DataException(String.valueOf(cause.getMessage()), cause);
            }
        }
        return results;
    }
}

package io.albert4j.data;

import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pretraining batches made by a background producer that runs up to {@code prefetchBatches} ahead of the training
 * step. The sequence of batches depends only on the corpus, the config and the seed, never on thread timing.
 *
 * <pre>{@code
 * try (var loader = PretrainingDataLoader.open(DocumentSource.text(paths, CorpusFormat.PROSE, tokenizer), config)) {
 *     while (loader.hasNext()) {
 *         Batch batch = loader.next();
 *         ... train on batch ...
 *         checkpoint.save(..., loader.cursor().toJson());  // resume later with resume(source, config, cursor)
 *     }
 * }
 * }</pre>
 *
 * <p>After {@code dupeFactor} passes the stream ends (unless {@code cycle}); a last partial batch is dropped so
 * every batch has the same shape. A failure in the producer (unreadable file, empty corpus, tokenizer error) is
 * rethrown from {@link #next()}/{@link #hasNext()} as a {@link DataException} with the same message.
 */
public final class PretrainingDataLoader implements AutoCloseable {
    private sealed interface Item permits Produced, Failed, Ended {
    }

    private record Produced(Batch batch, List<DataCursor> cursorsAfter) implements Item {
    }

    private record Failed(Throwable error) implements Item {
    }

    private record Ended() implements Item {
    }

    private static final AtomicInteger LOADERS = new AtomicInteger();

    private final DocumentSource source;
    private final PretrainingConfig config;
    private final DataParts parts;
    private final BlockingQueue<Item> queue;
    private final ExecutorService workers;
    private final List<PartStream> streams = new ArrayList<>();
    private final Thread producer;
    private Item peeked;
    private List<DataCursor> cursors;
    private volatile boolean closed;

    private PretrainingDataLoader(DocumentSource source, PretrainingConfig config, List<DataCursor> starts,
                                  DataParts parts) {
        if (starts.size() != parts.count()) {
            throw new DataException("DataCursor: " + starts.size() + " cursor(s) for " + parts.count() + " part(s) ("
                    + parts.describe() + ")");
        }
        if (config.batchSize() % parts.count() != 0) {
            throw new DataException("a micro-batch of " + config.batchSize() + " rows does not split over the "
                    + parts.count() + " data parts this process reads (" + parts.describe() + ")");
        }
        for (DataCursor start : starts) {
            if (start.seed() != config.seed()) {
                throw new DataException("DataCursor: saved for seed " + start.seed() + " but the config's seed is "
                        + config.seed());
            }
        }
        this.source = source;
        this.config = config;
        this.parts = parts;
        this.cursors = List.copyOf(starts);
        this.queue = new ArrayBlockingQueue<>(config.prefetchBatches());
        int id = LOADERS.incrementAndGet();
        AtomicInteger workerNumber = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(config.workerThreads(), r -> {
            Thread t = new Thread(r, "albert4j-data-" + id + "-worker-" + workerNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        for (int i = 0; i < parts.count(); i++) {
            streams.add(new PartStream(new InstanceStream(source, config, workers, parts.first() + i, parts.total()),
                    starts.get(i)));
        }
        this.producer = new Thread(this::produce, "albert4j-data-" + id + "-producer");
        this.producer.setDaemon(true);
        this.producer.start();
    }

    /** Batches from the beginning of the run. */
    public static PretrainingDataLoader open(DocumentSource source, PretrainingConfig config) {
        return new PretrainingDataLoader(source, config, List.of(DataCursor.start(config.seed())), DataParts.ALL);
    }

    /** The batches that followed {@code cursor} in a run with the same source and config. */
    public static PretrainingDataLoader resume(DocumentSource source, PretrainingConfig config, DataCursor cursor) {
        return new PretrainingDataLoader(source, config, List.of(cursor), DataParts.ALL);
    }

    /**
     * The batches of the corpus parts {@code parts} (one rank's share of a data-parallel job, see {@link
     * DataParts}) that followed {@code cursors}, one cursor per part read ({@link #cursors()} of an earlier loader,
     * or {@link DataCursor#start} for each). Each batch holds {@code config.batchSize() / parts.count()} rows of
     * every part, in part order.
     */
    public static PretrainingDataLoader resume(DocumentSource source, PretrainingConfig config,
                                               List<DataCursor> cursors, DataParts parts) {
        return new PretrainingDataLoader(source, config, cursors, parts);
    }

    public boolean hasNext() {
        Item item = peek();
        rethrowIfFailed(item);
        return !(item instanceof Ended);
    }

    public Batch next() {
        Item item = peek();
        if (item instanceof Ended) {
            throw new NoSuchElementException(source.description() + ": no more batches after "
                    + config.dupeFactor() + " passes");
        }
        rethrowIfFailed(item);
        Produced produced = (Produced) item;
        peeked = null;
        cursors = produced.cursorsAfter();
        return produced.batch();
    }

    private static void rethrowIfFailed(Item item) {
        if (item instanceof Failed failed) {
            Throwable error = failed.error();
            String message = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
            throw new DataException(message, error);
        }
    }

    /**
     * Cursor after the last batch returned by {@link #next()}: resuming from it yields the following batches. For a
     * loader of one part; see {@link #cursors()}.
     */
    public DataCursor cursor() {
        if (cursors.size() != 1) {
            throw new IllegalStateException("this loader reads " + parts.describe() + ": use cursors()");
        }
        return cursors.getFirst();
    }

    /** Each part's cursor after the last batch returned by {@link #next()}, in part order. */
    public List<DataCursor> cursors() {
        return cursors;
    }

    /** The parts this loader reads. */
    public DataParts parts() {
        return parts;
    }

    /** Most documents held in memory at once so far by one part (at most {@code shuffleWindowDocuments}). */
    public int maxDocumentsHeld() {
        return streams.stream().mapToInt(p -> p.stream.maxDocumentsHeld()).max().orElse(0);
    }

    NgramMasker masker() {
        return streams.getFirst().stream.masker();
    }

    private Item peek() {
        if (closed) {
            throw new IllegalStateException("PretrainingDataLoader is closed");
        }
        if (peeked == null) {
            try {
                peeked = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DataException("interrupted while waiting for the next batch", e);
            }
        }
        return peeked; // a Failed item stays, so every later call reports the same failure
    }

    private void produce() {
        try {
            int rowsPerPart = config.batchSize() / parts.count();
            while (true) {
                List<PretrainingInstance> rows = new ArrayList<>(config.batchSize());
                for (PartStream part : streams) {
                    for (int i = 0; i < rowsPerPart; i++) {
                        PretrainingInstance row = part.next();
                        if (row == null) {
                            queue.put(new Ended());  // a last partial batch is dropped
                            return;
                        }
                        rows.add(row);
                    }
                }
                List<DataCursor> after = new ArrayList<>(streams.size());
                for (PartStream part : streams) {
                    part.batches++;
                    after.add(part.cursor());
                }
                queue.put(new Produced(Batch.of(rows, config.maxSeqLength()), List.copyOf(after)));
            }
        } catch (InterruptedException e) {
            // closed by the consumer: nothing to report
        } catch (Throwable t) {
            if (!closed) {
                try {
                    queue.put(new Failed(t));
                } catch (InterruptedException ignored) {
                    // closed while reporting
                }
            }
        }
    }

    /** One part's instances, window after window and pass after pass, and the cursor after the last one taken. */
    private final class PartStream {
        final InstanceStream stream;
        int pass;
        int window;
        CorpusPosition position;
        /** Instances of the current window to pass over (a resumed cursor's), then the index of the next one. */
        int next;
        InstanceStream.Window built;
        long batches;
        long instancesThisPass;
        boolean passReadFromStart;

        PartStream(InstanceStream stream, DataCursor start) {
            this.stream = stream;
            this.pass = start.pass();
            this.window = start.window();
            this.position = start.position();
            this.next = start.instanceInWindow();
            this.batches = start.batches();
            this.passReadFromStart = window == 0 && next == 0 && position.equals(CorpusPosition.START);
        }

        /** The next instance, or null when the stream ends ({@code dupeFactor} passes without cycling). */
        PretrainingInstance next() throws java.io.IOException, InterruptedException {
            while (true) {
                if (built == null) {
                    if (!config.cycle() && pass >= config.dupeFactor()) {
                        return null;
                    }
                    built = stream.window(pass, window, position);
                    if (next > built.instances().size()) {
                        throw new DataException("DataCursor: window " + window + " of pass " + pass + " has "
                                + built.instances().size() + " instances, cursor skips " + next
                                + " (was it saved with another corpus or config?)");
                    }
                    instancesThisPass += built.instances().size() - next;
                }
                if (next < built.instances().size()) {
                    return built.instances().get(next++);
                }
                if (built.passEnded()) {
                    if (instancesThisPass == 0 && passReadFromStart) {
                        String part = parts.total() == 1 ? "" : " (" + parts.total() + " parts; this is part "
                                + stream.part() + ", which gets one document in " + parts.total() + ")";
                        throw new DataException(source.description() + part + " contains no text: no line "
                                + "tokenized to any token");
                    }
                    pass++;
                    window = 0;
                    position = CorpusPosition.START;
                    instancesThisPass = 0;
                    passReadFromStart = true;
                } else {
                    window++;
                    position = built.next();
                }
                built = null;
                next = 0;
            }
        }

        /** Where this part stands after the last instance {@link #next} returned. */
        DataCursor cursor() {
            if (built == null || next < built.instances().size()) {
                return new DataCursor(config.seed(), pass, window, position.fileSlot(), position.byteOffset(), next,
                        batches);
            }
            return built.passEnded()
                    ? new DataCursor(config.seed(), pass + 1, 0, 0, 0, 0, batches)
                    : new DataCursor(config.seed(), pass, window + 1, built.next().fileSlot(),
                            built.next().byteOffset(), 0, batches);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        producer.interrupt();
        workers.shutdownNow();
        try {
            producer.join(TimeUnit.SECONDS.toMillis(10));
            workers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

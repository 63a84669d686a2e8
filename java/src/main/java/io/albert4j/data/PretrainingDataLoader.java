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

    private record Produced(Batch batch, DataCursor cursorAfter) implements Item {
    }

    private record Failed(Throwable error) implements Item {
    }

    private record Ended() implements Item {
    }

    private static final AtomicInteger LOADERS = new AtomicInteger();

    private final DocumentSource source;
    private final PretrainingConfig config;
    private final DataShard shard;
    private final BlockingQueue<Item> queue;
    private final ExecutorService workers;
    private final InstanceStream stream;
    private final Thread producer;
    private Item peeked;
    private DataCursor cursor;
    private volatile boolean closed;

    private PretrainingDataLoader(DocumentSource source, PretrainingConfig config, DataCursor start, DataShard shard) {
        if (start.seed() != config.seed()) {
            throw new DataException("DataCursor: saved for seed " + start.seed() + " but the config's seed is "
                    + config.seed());
        }
        this.source = source;
        this.config = config;
        this.shard = shard;
        this.cursor = start;
        this.queue = new ArrayBlockingQueue<>(config.prefetchBatches());
        int id = LOADERS.incrementAndGet();
        AtomicInteger workerNumber = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(config.workerThreads(), r -> {
            Thread t = new Thread(r, "albert4j-data-" + id + "-worker-" + workerNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.stream = new InstanceStream(source, config, workers);
        this.producer = new Thread(() -> produce(start), "albert4j-data-" + id + "-producer");
        this.producer.setDaemon(true);
        this.producer.start();
    }

    /** Batches from the beginning of the run. */
    public static PretrainingDataLoader open(DocumentSource source, PretrainingConfig config) {
        return new PretrainingDataLoader(source, config, DataCursor.start(config.seed()), DataShard.ALL);
    }

    /** The batches that followed {@code cursor} in a run with the same source and config. */
    public static PretrainingDataLoader resume(DocumentSource source, PretrainingConfig config, DataCursor cursor) {
        return new PretrainingDataLoader(source, config, cursor, DataShard.ALL);
    }

    /**
     * As {@link #resume(DocumentSource, PretrainingConfig, DataCursor)} for one rank of a data-parallel job: its
     * {@code config.batchSize()} rows of each global micro-batch of {@code shard.count() × batchSize} (see {@link
     * DataShard}). The cursor counts global micro-batches, and is the same on every rank.
     */
    public static PretrainingDataLoader resume(DocumentSource source, PretrainingConfig config, DataCursor cursor,
                                               DataShard shard) {
        return new PretrainingDataLoader(source, config, cursor, shard);
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
        cursor = produced.cursorAfter();
        return produced.batch();
    }

    private static void rethrowIfFailed(Item item) {
        if (item instanceof Failed failed) {
            Throwable error = failed.error();
            String message = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
            throw new DataException(message, error);
        }
    }

    /** Cursor after the last batch returned by {@link #next()}: resuming from it yields the following batches. */
    public DataCursor cursor() {
        return cursor;
    }

    /** Most documents held in memory at once so far (at most {@code shuffleWindowDocuments}). */
    public int maxDocumentsHeld() {
        return stream.maxDocumentsHeld();
    }

    NgramMasker masker() {
        return stream.masker();
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

    private void produce(DataCursor start) {
        try {
            int pass = start.pass();
            int window = start.window();
            CorpusPosition position = start.position();
            int skip = start.instanceInWindow();
            long batches = start.batches();
            long instancesThisPass = 0;
            boolean passReadFromStart = window == 0 && skip == 0 && position.equals(CorpusPosition.START);
            int globalRows = config.batchSize() * shard.count();
            List<PretrainingInstance> rows = new ArrayList<>(globalRows);
            while (config.cycle() || pass < config.dupeFactor()) {
                InstanceStream.Window built = stream.window(pass, window, position);
                if (skip > built.instances().size()) {
                    throw new DataException("DataCursor: window " + window + " of pass " + pass + " has "
                            + built.instances().size() + " instances, cursor skips " + skip
                            + " (was it saved with another corpus or config?)");
                }
                instancesThisPass += built.instances().size() - skip;
                for (int i = skip; i < built.instances().size(); i++) {
                    rows.add(built.instances().get(i));
                    if (rows.size() == globalRows) {
                        batches++;
                        DataCursor after = i + 1 < built.instances().size()
                                ? new DataCursor(config.seed(), pass, window, position.fileSlot(),
                                        position.byteOffset(), i + 1, batches)
                                : built.passEnded()
                                        ? new DataCursor(config.seed(), pass + 1, 0, 0, 0, 0, batches)
                                        : new DataCursor(config.seed(), pass, window + 1, built.next().fileSlot(),
                                                built.next().byteOffset(), 0, batches);
                        List<PretrainingInstance> mine = rows.subList(shard.index() * config.batchSize(),
                                (shard.index() + 1) * config.batchSize());
                        queue.put(new Produced(Batch.of(mine, config.maxSeqLength()), after));
                        rows = new ArrayList<>(globalRows);
                    }
                }
                skip = 0;
                if (built.passEnded()) {
                    if (instancesThisPass == 0 && passReadFromStart) {
                        throw new DataException(source.description() + " contains no text: no line tokenized to"
                                + " any token");
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
            }
            queue.put(new Ended());
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

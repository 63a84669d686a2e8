package io.albert4j.data;

import io.albert4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Tokenizes a text corpus once into {@link ShardFormat} files {@code shard-00000.a4js}, ... in a folder.
 *
 * <p>It streams: one thread reads documents in order, worker threads tokenize them, and the shards are written in
 * the reading order, so the output does not depend on the thread count. At most {@link #IN_FLIGHT_PER_THREAD}
 * documents per worker are held between reading and writing, which bounds memory by a few documents whatever the
 * size of the corpus (a document is a blank-line-separated block; a corpus without blank lines is one document per
 * file).
 */
public final class ShardPreparer {
    /** Documents read ahead per worker: enough to keep the workers busy while the writer waits for the oldest. */
    static final int IN_FLIGHT_PER_THREAD = 8;

    /** What was written. */
    public record Summary(List<Path> shards, long documents, long sentences, long tokens) {
    }

    private ShardPreparer() {
    }

    /** With one tokenizing thread per core (at most 8). */
    public static Summary prepare(List<Path> corpus, CorpusFormat format, Tokenizer tokenizer, Path outDir)
            throws IOException {
        return prepare(corpus, format, tokenizer, outDir, ShardFormat.MAX_SHARD_BYTES / 2,
                Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors())));
    }

    /** Starts a new shard once one reaches {@code targetShardBytes}; {@code threads} tokenize. */
    static Summary prepare(List<Path> corpus, CorpusFormat format, Tokenizer tokenizer, Path outDir,
                           long targetShardBytes) throws IOException {
        return prepare(corpus, format, tokenizer, outDir, targetShardBytes, 2);
    }

    static Summary prepare(List<Path> corpus, CorpusFormat format, Tokenizer tokenizer, Path outDir,
                           long targetShardBytes, int threads) throws IOException {
        TextDocumentSource source = new TextDocumentSource(CorpusFiles.list(corpus), format, tokenizer);
        Files.createDirectories(outDir);
        AtomicInteger workerNumber = new AtomicInteger();
        ExecutorService workers = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "albert4j-prepare-" + workerNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        Output output = new Output(source.vocabulary(), outDir, targetShardBytes);
        ArrayDeque<Future<int[][]>> inFlight = new ArrayDeque<>();
        int limit = threads * IN_FLIGHT_PER_THREAD;
        try {
            source.forEachDocument(lines -> {
                if (inFlight.size() >= limit) {
                    output.write(take(inFlight.removeFirst()));
                }
                inFlight.addLast(workers.submit(() -> source.tokenize(lines)));
            });
            while (!inFlight.isEmpty()) {
                output.write(take(inFlight.removeFirst()));
            }
        } finally {
            inFlight.forEach(f -> f.cancel(true));
            workers.shutdownNow();
            output.close();
        }
        if (output.shards.isEmpty()) {
            throw new DataException(source.description() + " contains no text: no line tokenized to any token");
        }
        return new Summary(List.copyOf(output.shards), output.documents, output.sentences, output.tokens);
    }

    private static int[][] take(Future<int[][]> future) throws IOException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataException("interrupted while preparing shards", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IOException(cause.getMessage(), cause);
        }
    }

    /** The shards being written, in order, and what went into them. */
    private static final class Output implements AutoCloseable {
        private final VocabularyInfo vocabulary;
        private final Path outDir;
        private final long targetShardBytes;
        private final List<Path> shards = new ArrayList<>();
        private ShardWriter writer;
        private long documents;
        private long sentences;
        private long tokens;

        Output(VocabularyInfo vocabulary, Path outDir, long targetShardBytes) {
            this.vocabulary = vocabulary;
            this.outDir = outDir;
            this.targetShardBytes = targetShardBytes;
        }

        void write(int[][] document) throws IOException {
            if (document.length == 0) {
                return;
            }
            if (writer != null && writer.bytes() >= targetShardBytes) {
                writer.close();
                writer = null;
            }
            if (writer == null) {
                Path shard = outDir.resolve(String.format("shard-%05d%s", shards.size(), ShardFormat.EXTENSION));
                shards.add(shard);
                writer = new ShardWriter(shard, vocabulary);
            }
            writer.write(document);
            documents++;
            sentences += document.length;
            for (int[] sentence : document) {
                tokens += sentence.length;
            }
        }

        @Override
        public void close() throws IOException {
            if (writer != null) {
                writer.close();
            }
        }
    }
}

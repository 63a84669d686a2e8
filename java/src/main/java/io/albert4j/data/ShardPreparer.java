package io.albert4j.data;

import io.albert4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Tokenizes a text corpus once into {@link ShardFormat} files {@code shard-00000.a4js}, ... in a folder. */
public final class ShardPreparer {
    /** What was written. */
    public record Summary(List<Path> shards, long documents, long sentences, long tokens) {
    }

    private ShardPreparer() {
    }

    public static Summary prepare(List<Path> corpus, CorpusFormat format, Tokenizer tokenizer, Path outDir)
            throws IOException {
        return prepare(corpus, format, tokenizer, outDir, ShardFormat.MAX_SHARD_BYTES / 2);
    }

    /** Starts a new shard once one reaches {@code targetShardBytes}. */
    static Summary prepare(List<Path> corpus, CorpusFormat format, Tokenizer tokenizer, Path outDir,
                           long targetShardBytes) throws IOException {
        TextDocumentSource source = new TextDocumentSource(CorpusFiles.list(corpus), format, tokenizer);
        Files.createDirectories(outDir);
        List<Path> shards = new ArrayList<>();
        long[] counts = new long[3];
        ShardWriter[] writer = {null};
        try {
            source.forEachDocument(lines -> {
                int[][] sentences = source.tokenize(lines);
                if (sentences.length == 0) {
                    return;
                }
                if (writer[0] != null && writer[0].bytes() >= targetShardBytes) {
                    writer[0].close();
                    writer[0] = null;
                }
                if (writer[0] == null) {
                    Path shard = outDir.resolve(String.format("shard-%05d%s", shards.size(), ShardFormat.EXTENSION));
                    shards.add(shard);
                    writer[0] = new ShardWriter(shard, source.vocabulary());
                }
                writer[0].write(sentences);
                counts[0]++;
                counts[1] += sentences.length;
                for (int[] sentence : sentences) {
                    counts[2] += sentence.length;
                }
            });
        } finally {
            if (writer[0] != null) {
                writer[0].close();
            }
        }
        if (shards.isEmpty()) {
            throw new DataException(source.description() + " contains no text: no line tokenized to any token");
        }
        return new Summary(List.copyOf(shards), counts[0], counts[1], counts[2]);
    }
}

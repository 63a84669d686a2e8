package io.albert4j.data;

import io.albert4j.tokenizer.Tokenizer;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A corpus as an ordered list of files, each a sequence of documents, readable from any {@link CorpusPosition}.
 * Documents come back as {@link PendingDocument}s so that the expensive part (tokenizing) can run on worker
 * threads while reading stays sequential.
 */
public interface DocumentSource {

    /** Raw text files or folders (searched recursively, files in sorted path order), tokenized on the fly. */
    static DocumentSource text(List<Path> inputs, CorpusFormat format, Tokenizer tokenizer) {
        if (!format.isText()) {
            throw new IllegalArgumentException("DocumentSource.text: " + format + " is not a text format");
        }
        return new TextDocumentSource(CorpusFiles.list(inputs), format, tokenizer);
    }

    /**
     * The corpus in {@code inputs} as {@code format} says, or, for {@code format} null, as its files say: prepared
     * shards when every file starts with the shard header, text in the original's sentence-per-line format when
     * none does (a mix is refused, naming a file of each kind). Text files are still checked as they are read: a
     * binary file among them is refused, naming the file and the byte ({@link ByteLineReader}).
     *
     * @param tokenizer for text; unused (may be null) for shards, which carry their vocabulary
     */
    static DocumentSource open(List<Path> inputs, CorpusFormat format, Tokenizer tokenizer) {
        List<Path> files = CorpusFiles.list(inputs);
        CorpusFormat resolved = format != null ? format : CorpusFiles.detectFormat(files);
        if (resolved == CorpusFormat.SHARDS) {
            return new ShardDocumentSource(files);
        }
        if (tokenizer == null) {
            throw new IllegalArgumentException(CorpusFiles.describe(files) + " is text and needs a tokenizer");
        }
        return new TextDocumentSource(files, resolved, tokenizer);
    }

    /** Pre-tokenized shard files or folders of them (see {@link ShardFormat}). */
    static DocumentSource shards(List<Path> inputs) {
        return new ShardDocumentSource(CorpusFiles.list(inputs));
    }

    /** Names the corpus in error messages, e.g. {@code corpus 'data/wiki'}. */
    String description();

    int fileCount();

    VocabularyInfo vocabulary();

    /** Reads one pass: files in {@code fileOrder} (indices into the sorted file list), starting at {@code start}. */
    DocumentReader open(int[] fileOrder, CorpusPosition start) throws IOException;

    /** Sequential reader over one pass. */
    interface DocumentReader extends Closeable {
        /** The next document, or null at the end of the pass. */
        PendingDocument next() throws IOException;

        /** Where the document after the last one returned starts. */
        CorpusPosition position();
    }

    /** A document whose sentences are computed on demand (tokenizing may be slow; it is thread-safe to call). */
    @FunctionalInterface
    interface PendingDocument {
        /** Non-empty token-id sentences; an empty array when nothing in the document tokenized to anything. */
        int[][] sentences();
    }
}

package io.albert4j.data;

import io.albert4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Raw text files read line by line (see {@link CorpusFormat}); a document is a run of non-blank lines ended by a
 * blank line, the end of its file, or the line that takes it to {@link #MAX_DOCUMENT_CHARS}. Unlike the original, a document never continues into the next file (the
 * original keeps appending to the last document until it meets a blank line, whatever the file).
 *
 * <p>Each line goes to {@link Tokenizer#encode}, which applies ALBERT's {@code preprocess_text} normalisation;
 * lines that tokenize to nothing are dropped, as are documents left empty, as in the original.
 */
final class TextDocumentSource implements DocumentSource {
    /**
     * 16,384 characters (~4k tokens): a sentence (a line, in SENTENCE_PER_LINE) longer than this is cut into pieces
     * of at most this size ({@link SentenceSplitter#cut}). The longest sentence of the State of the Union corpus is
     * 3,825 characters; a 50 MB line, whole, is tokenized as one sentence and makes one sequence per pass, which
     * looked like a hang.
     */
    static final int MAX_SENTENCE_CHARS = 16_384;
    /**
     * 4 Mi characters: a document (a run of non-blank lines, often a whole file in PROSE text) ends after the line
     * that reaches this size and the next document starts at the next line. A document is held whole while it is
     * tokenized, so without a bound a corpus written as one blank-line-free file is read into memory whole (a 1 GB
     * file ran a 256 MB heap out of memory); with it memory is bounded by the bound, whatever the corpus. The
     * largest State of the Union address is ~230 thousand characters.
     */
    static final int MAX_DOCUMENT_CHARS = 1 << 22;
    private static final System.Logger LOG = System.getLogger(TextDocumentSource.class.getName());

    private final List<Path> files;
    private final CorpusFormat format;
    private final Tokenizer tokenizer;
    private final VocabularyInfo vocabulary;
    private final int maxSentenceChars;
    private final int maxDocumentChars;
    private final AtomicBoolean warnedAboutCuts = new AtomicBoolean();
    private final AtomicBoolean warnedAboutLongDocuments = new AtomicBoolean();

    TextDocumentSource(List<Path> files, CorpusFormat format, Tokenizer tokenizer) {
        this(files, format, tokenizer, MAX_SENTENCE_CHARS);
    }

    TextDocumentSource(List<Path> files, CorpusFormat format, Tokenizer tokenizer, int maxSentenceChars) {
        this(files, format, tokenizer, maxSentenceChars, MAX_DOCUMENT_CHARS);
    }

    TextDocumentSource(List<Path> files, CorpusFormat format, Tokenizer tokenizer, int maxSentenceChars,
                       int maxDocumentChars) {
        if (!format.isText()) {
            throw new IllegalArgumentException("text corpus: " + format + " is not a text format");
        }
        this.files = files;
        this.format = format;
        this.tokenizer = tokenizer;
        this.vocabulary = VocabularyInfo.of(tokenizer);
        this.maxSentenceChars = maxSentenceChars;
        this.maxDocumentChars = maxDocumentChars;
    }

    @Override
    public String description() {
        return CorpusFiles.describe(files);
    }

    @Override
    public int fileCount() {
        return files.size();
    }

    @Override
    public VocabularyInfo vocabulary() {
        return vocabulary;
    }

    List<Path> files() {
        return files;
    }

    @Override
    public DocumentReader open(int[] fileOrder, CorpusPosition start) {
        return new Reader(fileOrder, start);
    }

    /** The token-id sentences of one document's lines (also used by the shard writer). */
    int[][] tokenize(List<String> lines) {
        List<int[]> sentences = new ArrayList<>();
        for (String line : lines) {
            List<String> pieces = format == CorpusFormat.PROSE ? SentenceSplitter.split(line) : List.of(line);
            pieces = cutOverlong(pieces);
            for (String sentence : pieces) {
                int[] ids = tokenizer.encode(sentence);
                for (int id : ids) {
                    if (id < 0 || id >= vocabulary.vocabSize()) {
                        throw new DataException(description() + ": tokenizer returned id " + id
                                + " outside its vocabulary of " + vocabulary.vocabSize());
                    }
                }
                if (ids.length > 0) {
                    sentences.add(ids);
                }
            }
        }
        return sentences.toArray(int[][]::new);
    }

    private List<String> cutOverlong(List<String> sentences) {
        List<String> out = null;
        for (int i = 0; i < sentences.size(); i++) {
            String sentence = sentences.get(i);
            if (sentence.length() <= maxSentenceChars) {
                if (out != null) {
                    out.add(sentence);
                }
                continue;
            }
            if (out == null) {
                out = new ArrayList<>(sentences.subList(0, i));
            }
            if (!warnedAboutCuts.getAndSet(true)) {
                LOG.log(System.Logger.Level.WARNING, description() + ": a " + (format == CorpusFormat.PROSE
                        ? "sentence" : "line") + " of " + String.format("%,d", sentence.length())
                        + " characters is cut at spaces into pieces of at most " + String.format("%,d",
                        maxSentenceChars) + ", each read as a sentence (give the corpus one sentence per line, or "
                        + "--corpus-format PROSE for paragraphs); further cuts are not reported");
            }
            out.addAll(SentenceSplitter.cut(sentence, maxSentenceChars));
        }
        return out == null ? sentences : out;
    }

    private final class Reader implements DocumentReader {
        private final int[] fileOrder;
        private int slot;
        private long offset;
        private ByteLineReader current;

        Reader(int[] fileOrder, CorpusPosition start) {
            this.fileOrder = fileOrder;
            this.slot = start.fileSlot();
            this.offset = start.byteOffset();
        }

        /** The next document's lines, or null at the end of the pass. */
        List<String> nextLines() throws IOException {
            while (slot < fileOrder.length) {
                if (current == null) {
                    current = new ByteLineReader(files.get(fileOrder[slot]), offset);
                }
                List<String> lines = new ArrayList<>();
                long chars = 0;
                String line;
                while ((line = current.readLine()) != null) {
                    if (line.isBlank()) {
                        if (lines.isEmpty()) {
                            continue; // runs of blank lines make no empty documents
                        }
                        break;
                    }
                    lines.add(line);
                    chars += line.length();
                    if (chars >= maxDocumentChars) {
                        warnLongDocument(files.get(fileOrder[slot]));
                        break;  // the rest of the run is the next document, read from here
                    }
                }
                if (line == null) { // end of file ends the document too
                    current.close();
                    current = null;
                    slot++;
                    offset = 0;
                } else {
                    offset = current.offset();
                }
                if (!lines.isEmpty()) {
                    return lines;
                }
            }
            return null;
        }

        private void warnLongDocument(Path file) {
            if (!warnedAboutLongDocuments.getAndSet(true)) {
                LOG.log(System.Logger.Level.WARNING, file + ": a document (lines up to a blank line or the end of "
                        + "the file) reaches " + String.format("%,d", maxDocumentChars) + " characters; it is "
                        + "ended there and the next one starts at the next line (separate documents with blank "
                        + "lines); further ones are not reported");
            }
        }

        @Override
        public PendingDocument next() throws IOException {
            List<String> lines = nextLines();
            return lines == null ? null : () -> tokenize(lines);
        }

        @Override
        public CorpusPosition position() {
            return new CorpusPosition(slot, offset);
        }

        @Override
        public void close() throws IOException {
            if (current != null) {
                current.close();
            }
        }
    }

    /** Reads all documents' lines in sorted file order (for the shard writer). */
    interface LinesVisitor {
        void document(List<String> lines) throws IOException;
    }

    void forEachDocument(LinesVisitor visitor) throws IOException {
        int[] order = java.util.stream.IntStream.range(0, files.size()).toArray();
        try (Reader reader = new Reader(order, CorpusPosition.START)) {
            for (List<String> lines = reader.nextLines(); lines != null; lines = reader.nextLines()) {
                visitor.document(lines);
            }
        }
    }
}

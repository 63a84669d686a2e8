package io.albert4j.data;

/** How raw text files are laid out. In both, a blank line (or the end of a file) ends a document. */
public enum CorpusFormat {
    /** The original's format: one sentence per line, blank lines between documents. */
    SENTENCE_PER_LINE,
    /** Plain prose: each line is a paragraph that {@link SentenceSplitter} splits into sentences. */
    PROSE
}

package io.albert4j.data;

/**
 * How corpus files are laid out. In the two text formats a blank line (or the end of a file) ends a document;
 * {@link #SHARDS} are the binary files of {@code albert data prepare}, already tokenized.
 */
public enum CorpusFormat {
    /** The original's format: one sentence per line, blank lines between documents. */
    SENTENCE_PER_LINE,
    /** Plain prose: each line is a paragraph that {@link SentenceSplitter} splits into sentences. */
    PROSE,
    /** Pre-tokenized {@link ShardFormat} files, recognised by their header whatever the name. */
    SHARDS;

    public boolean isText() {
        return this != SHARDS;
    }
}

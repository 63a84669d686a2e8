package io.albert4j.data;

/**
 * Where a document starts within one pass: the index into that pass's (shuffled) file order and a byte offset in
 * that file. Byte offsets let a restart seek straight to a window instead of re-reading the corpus.
 */
public record CorpusPosition(int fileSlot, long byteOffset) {
    public static final CorpusPosition START = new CorpusPosition(0, 0);
}

package io.albert4j.tokenizer;

/**
 * What the rest of albert4j needs from a tokenizer: text to ids and back, and the vocabulary. The ALBERT
 * SentencePiece tokenizer implements it; tests use small fakes.
 */
public interface Tokenizer {
    /** Ids of {@code text} after the tokenizer's own normalisation (no [CLS]/[SEP] added). */
    int[] encode(String text);

    /** The pieces of {@code text} (e.g. "▁the", "▁pre", "tra"), same segmentation as {@link #encode}. */
    String[] encodeAsPieces(String text);

    /** Text of {@code ids}, control symbols dropped. */
    String decode(int[] ids);

    int vocabSize();

    String idToPiece(int id);

    /** Id of {@code piece}, or the unknown id when absent. */
    int pieceToId(String piece);

    int padId();

    int unkId();

    /** Id of [CLS] (ALBERT: 2). */
    int clsId();

    /** Id of [SEP] (ALBERT: 3). */
    int sepId();

    /** Id of [MASK] (ALBERT: 4). */
    int maskId();

    /** Control and user-defined symbols are never split and never chosen as n-gram masking candidates' parts. */
    boolean isControl(int id);
}

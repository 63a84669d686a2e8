package io.albert4j.tasks;

/** A training feature of one token sequence: what batching needs to size it (see {@link TaskSupport#tokens}). */
interface TokenizedFeature {
    int[] ids();
}

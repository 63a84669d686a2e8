package io.albert4j.data;

/**
 * Which rows of the stream one rank of a data-parallel job trains on. Every rank reads the same deterministic
 * stream and cuts it into global micro-batches of {@code count × batchSize} rows; rank {@code index} keeps rows
 * {@code [index·batchSize, (index+1)·batchSize)} of each. So the ranks' rows are disjoint, their union is exactly
 * the batch one process would train on, and the cursor after a global micro-batch is the same on every rank (a
 * run can resume with another rank count).
 */
public record DataShard(int index, int count) {
    /** One process: every row. */
    public static final DataShard ALL = new DataShard(0, 1);

    public DataShard {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("DataShard: need 0 <= index < count, got index " + index + " of "
                    + count);
        }
    }
}

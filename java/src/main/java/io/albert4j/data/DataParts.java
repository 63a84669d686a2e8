package io.albert4j.data;

/**
 * Which parts of the corpus one process reads. The documents of every pass (in the pass's file order, then their
 * order in each file) are dealt out in turn to {@code total} parts: document {@code d} goes to part {@code d mod
 * total}. Each part is a stream of its own (its own shuffle windows, segment pairs and masks), so a process
 * tokenizes and masks only its parts' documents; it skips the others' without tokenizing them.
 *
 * <p>A process reading {@code count} parts fills each micro-batch of {@code B} rows with {@code B / count} rows from
 * each of its parts, in part order. In a data-parallel job rank {@code r} of {@code R} reads parts {@code [r·total/R,
 * (r+1)·total/R)} ({@link #ofRank}), so a step trains on {@code trainBatch / total} rows of every part whatever the
 * rank count: a run can resume on any number of ranks that divides {@code total}, on the same sequences.
 *
 * @param total the number of parts the corpus is split into (fixed for a run)
 * @param first the first part this process reads
 * @param count how many consecutive parts it reads
 */
public record DataParts(int total, int first, int count) {
    /** One part, the whole corpus. */
    public static final DataParts ALL = new DataParts(1, 0, 1);

    public DataParts {
        if (total < 1 || count < 1 || first < 0 || (long) first + count > total) {
            throw new IllegalArgumentException("DataParts: need total >= 1, count >= 1 and 0 <= first, first + count "
                    + "<= total; got parts [" + first + ", " + ((long) first + count) + ") of " + total);
        }
    }

    /** The parts rank {@code rank} of {@code ranks} reads: an equal, consecutive share of {@code total}. */
    public static DataParts ofRank(int total, int rank, int ranks) {
        if (ranks < 1 || rank < 0 || rank >= ranks) {
            throw new IllegalArgumentException("DataParts: rank " + rank + " of " + ranks);
        }
        if (total % ranks != 0) {
            throw new IllegalArgumentException("the data is split into " + total + " part(s), which " + ranks
                    + " ranks cannot share equally: use a number of ranks that divides " + total);
        }
        int each = total / ranks;
        return new DataParts(total, rank * each, each);
    }

    /** E.g. "parts [2, 4) of 4", for messages and trainer_state.json. */
    public String describe() {
        return count == 1 ? "part " + first + " of " + total : "parts [" + first + ", " + (first + count) + ") of "
                + total;
    }
}

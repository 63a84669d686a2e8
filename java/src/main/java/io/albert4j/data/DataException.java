package io.albert4j.data;

/** A problem with the data (missing or empty corpus, corrupt shard, invalid cursor), with a message naming it. */
public class DataException extends RuntimeException {
    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}

package io.albert4j.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Where the pretraining stream stands: restarting a loader from a cursor yields exactly the batches that would
 * have followed. Small and JSON-able, meant to be saved next to a training checkpoint.
 *
 * @param seed             the run's seed (a cursor is only valid for the seed and settings that produced it)
 * @param pass             corpus pass (0 .. dupeFactor-1, or beyond when cycling)
 * @param window           shuffle window within the pass
 * @param fileSlot         where the window starts: index into the pass's file order ...
 * @param byteOffset       ... and byte offset in that file
 * @param instanceInWindow instances of the window already delivered
 * @param batches          batches delivered since the start of the run
 */
public record DataCursor(long seed, int pass, int window, int fileSlot, long byteOffset, int instanceInWindow,
                         long batches) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public DataCursor {
        if (pass < 0 || window < 0 || fileSlot < 0 || byteOffset < 0 || instanceInWindow < 0 || batches < 0) {
            throw new DataException("DataCursor: negative field in pass=" + pass + " window=" + window + " fileSlot="
                    + fileSlot + " byteOffset=" + byteOffset + " instanceInWindow=" + instanceInWindow
                    + " batches=" + batches);
        }
    }

    /** The start of a run. */
    public static DataCursor start(long seed) {
        return new DataCursor(seed, 0, 0, 0, 0, 0, 0);
    }

    CorpusPosition position() {
        return new CorpusPosition(fileSlot, byteOffset);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new DataException("DataCursor: cannot write JSON: " + e.getMessage(), e);
        }
    }

    public static DataCursor fromJson(String json) {
        try {
            return JSON.readValue(json, DataCursor.class);
        } catch (JsonProcessingException e) {
            throw new DataException("DataCursor: invalid JSON '" + json + "': " + e.getOriginalMessage(), e);
        }
    }
}

package io.albert4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * trainer_state.json of a checkpoint: the step plus what the trainer needs to continue exactly where it stopped.
 * The RNG states, data cursor, run configuration and plan are opaque JSON owned by the trainer, the data pipeline
 * and {@link TrainingPlan} (the planned total and schedule position of a run with a time budget; absent in
 * checkpoints written before plans were saved). {@code dataParallel} records the ranks of a data-parallel run:
 * the world size and every rank's data cursor and rows (null for states written before such runs).
 */
public record TrainerState(long step, JsonNode rngState, JsonNode dataCursor, JsonNode runConfig, JsonNode plan,
                           JsonNode dataParallel) {
    static final int FORMAT = 1;

    public TrainerState {
        if (step < 0) {
            throw new IllegalArgumentException("trainer state: step must be >= 0, got " + step);
        }
        rngState = rngState == null ? NullNode.getInstance() : rngState;
        dataCursor = dataCursor == null ? NullNode.getInstance() : dataCursor;
        runConfig = runConfig == null ? NullNode.getInstance() : runConfig;
        plan = plan == null ? NullNode.getInstance() : plan;
        dataParallel = dataParallel == null ? NullNode.getInstance() : dataParallel;
    }

    public TrainerState(long step, JsonNode rngState, JsonNode dataCursor, JsonNode runConfig) {
        this(step, rngState, dataCursor, runConfig, null, null);
    }

    public TrainerState(long step, JsonNode rngState, JsonNode dataCursor, JsonNode runConfig, JsonNode plan) {
        this(step, rngState, dataCursor, runConfig, plan, null);
    }

    /** The number of ranks that wrote this state (1 for states written before data-parallel training). */
    public int worldSize() {
        return dataParallel.path("world_size").asInt(1);
    }

    ObjectNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("format", FORMAT);
        node.put("step", step);
        node.set("rng_state", rngState);
        node.set("data_cursor", dataCursor);
        node.set("run_config", runConfig);
        node.set("plan", plan);
        node.set("data_parallel", dataParallel);
        return node;
    }

    static TrainerState fromJson(JsonNode node) {
        if (node == null || !node.isObject() || !node.path("step").canConvertToLong()
                || !node.path("step").isIntegralNumber()) {
            throw new IllegalArgumentException("trainer state has no integral \"step\"");
        }
        if (node.path("format").asInt(-1) != FORMAT) {
            throw new IllegalArgumentException("trainer state format " + node.path("format") + ", expected " + FORMAT);
        }
        return new TrainerState(node.get("step").longValue(), node.get("rng_state"), node.get("data_cursor"),
                node.get("run_config"), node.get("plan"), node.get("data_parallel"));
    }
}

package io.albert4j.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A checkpoint split into shards by HF's {@code save_pretrained(max_shard_size=...)}: an index JSON ({@code
 * model.safetensors.index.json} or {@code pytorch_model.bin.index.json}) whose {@code weight_map} names, for each
 * tensor, the shard file beside it that holds it.
 *
 * <p>The weight map is the checkpoint: its names, in its order, each read from its shard. Opening checks it
 * against the shards, so a missing shard, a shard name that leaves the folder, or a tensor its shard does not hold
 * fails here, naming the index, the shard and the tensor.
 */
public final class ShardedCheckpointReader implements CheckpointReader {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    /** Index files are a few kB; 64 MiB is room for millions of names and far from a memory problem. */
    private static final long MAX_INDEX_BYTES = 64L << 20;

    private final Path index;
    private final Map<String, CheckpointReader> shardOf;
    private final List<CheckpointReader> shards;

    private ShardedCheckpointReader(Path index, Map<String, CheckpointReader> shardOf, List<CheckpointReader> shards) {
        this.index = index;
        this.shardOf = shardOf;
        this.shards = shards;
    }

    /** Opens {@code index} and every shard it names, each with {@code openShard}. */
    public static ShardedCheckpointReader open(Path index, Function<Path, CheckpointReader> openShard) {
        Map<String, String> weightMap = readWeightMap(index);
        Map<String, List<String>> tensorsOfShard = new LinkedHashMap<>();
        weightMap.forEach((tensor, shard) -> tensorsOfShard.computeIfAbsent(shard, s -> new ArrayList<>()).add(tensor));
        Map<String, CheckpointReader> opened = new LinkedHashMap<>();
        try {
            Path dir = index.toAbsolutePath().getParent();
            for (Map.Entry<String, List<String>> e : tensorsOfShard.entrySet()) {
                String shardName = e.getKey();
                List<String> tensors = e.getValue();
                String forWhich = "(for tensor '" + tensors.get(0) + "'"
                        + (tensors.size() > 1 ? " and " + (tensors.size() - 1) + " more" : "") + ")";
                Path shardFile = dir.resolve(shardName).normalize();
                if (shardName.isEmpty() || shardName.contains("/") || shardName.contains("\\")
                        || !dir.equals(shardFile.getParent())) {
                    throw new CheckpointException(index, "shard '" + shardName + "' " + forWhich
                            + " is not a file name in the index's folder");
                }
                if (!Files.isRegularFile(shardFile)) {
                    throw new CheckpointException(index, "shard '" + shardName + "' " + forWhich + " is missing");
                }
                CheckpointReader shard = openShard.apply(shardFile);
                opened.put(shardName, shard);
                for (String tensor : tensors) {
                    if (!shard.contains(tensor)) {
                        throw new CheckpointException(index, "tensor '" + tensor + "' is mapped to shard '"
                                + shardName + "', which does not hold it (" + shard.names().size() + " tensors there)");
                    }
                }
            }
        } catch (RuntimeException e) {
            opened.values().forEach(CheckpointReader::close);
            throw e;
        }
        Map<String, CheckpointReader> shardOf = new LinkedHashMap<>();
        weightMap.forEach((tensor, shard) -> shardOf.put(tensor, opened.get(shard)));
        return new ShardedCheckpointReader(index, Collections.unmodifiableMap(shardOf), List.copyOf(opened.values()));
    }

    private static Map<String, String> readWeightMap(Path index) {
        JsonNode root;
        try {
            long size = Files.size(index);
            if (size > MAX_INDEX_BYTES) {
                throw new CheckpointException(index, "is " + size + " bytes; a shard index is a few kB (limit "
                        + MAX_INDEX_BYTES + ")");
            }
            root = JSON.readTree(index.toFile());
        } catch (JacksonException e) {
            throw new CheckpointException(index, "is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new CheckpointException(index, "cannot read: " + e, e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new CheckpointException(index, "has no \"weight_map\" object (a shard index maps tensor names to "
                    + "shard files)");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            if (!e.getValue().isTextual()) {
                throw new CheckpointException(index, "weight_map: tensor '" + e.getKey() + "' maps to "
                        + e.getValue() + ", not a shard file name");
            }
            weightMap.put(e.getKey(), e.getValue().textValue());
        }
        if (weightMap.isEmpty()) {
            throw new CheckpointException(index, "weight_map is empty");
        }
        return weightMap;
    }

    @Override
    public Path path() {
        return index;
    }

    @Override
    public Set<String> names() {
        return shardOf.keySet();
    }

    @Override
    public boolean contains(String name) {
        return shardOf.containsKey(name);
    }

    private CheckpointReader shard(String name) {
        CheckpointReader shard = shardOf.get(name);
        if (shard == null) {
            throw new CheckpointException(index, "no tensor named '" + name + "'");
        }
        return shard;
    }

    @Override
    public StoredTensor stored(String name) {
        return shard(name).stored(name);
    }

    @Override
    public Tensor read(String name, DType as) {
        return shard(name).read(name, as);
    }

    /** The shard readers, in the order the index first names them. */
    public List<CheckpointReader> shards() {
        return shards;
    }

    @Override
    public void close() {
        shards.forEach(CheckpointReader::close);
    }
}

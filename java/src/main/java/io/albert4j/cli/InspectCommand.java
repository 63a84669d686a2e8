package io.albert4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.albert4j.io.CheckpointFiles;
import io.albert4j.io.CheckpointReader;
import io.albert4j.io.TensorSummary;
import io.albert4j.io.tf.TensorBundleReader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code albert inspect}: the tensors of any checkpoint, one line each (TF's inspect_checkpoint). */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "List the tensors of a checkpoint: an HF model folder, a .safetensors file, a "
                + "pytorch_model.bin, a shard index or a TensorFlow checkpoint prefix (model.ckpt-N).")
final class InspectCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Parameters(paramLabel = "PATH") Path path;
    @Option(names = "--values", defaultValue = "4", description = "first values to show per tensor (default 4)")
    int values;
    @Option(names = "--json", description = "one JSON document instead of lines")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try (CheckpointReader reader = CheckpointFiles.open(path)) {
            List<TensorSummary> tensors = TensorSummary.of(reader, values);
            Map<String, String> others = reader instanceof TensorBundleReader bundle ? bundle.otherEntries() : Map.of();
            if (json) {
                printJson(reader.path(), tensors, others);
            } else {
                printLines(tensors, others);
            }
        }
        return 0;
    }

    private static void printLines(List<TensorSummary> tensors, Map<String, String> others) {
        int width = tensors.stream().mapToInt(t -> t.name().length()).max().orElse(0);
        long total = 0;
        for (TensorSummary t : tensors) {
            total += t.numel();
            System.out.printf("%-" + width + "s  %-4s  %-14s  %s%n", t.name(), t.dtype(), Arrays.toString(t.shape()),
                    values(t));
        }
        others.forEach((name, dtype) -> System.out.printf("%-" + width + "s  %s (not a numeric tensor)%n", name, dtype));
        System.out.printf("%d tensors, %,d elements%n", tensors.size(), total);
    }

    private static String values(TensorSummary t) {
        if (t.values().isEmpty()) {
            return t.numel() == 0 ? "(empty)" : "";
        }
        boolean floating = isFloating(t);
        if (t.shape().length == 0) {
            return format(t.values().get(0), floating);
        }
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < t.values().size(); i++) {
            out.append(i > 0 ? ", " : "").append(format(t.values().get(i), floating));
        }
        return out.append(t.numel() > t.values().size() ? ", ...]" : "]").toString();
    }

    /** Float values as the shortest decimal that reads back to the same float; integers as integers. */
    private static String format(double v, boolean floating) {
        return floating ? Float.toString((float) v) : Long.toString((long) v);
    }

    private static boolean isFloating(TensorSummary t) {
        return t.dtype().startsWith("F") || t.dtype().equals("BF16");
    }

    private static void printJson(Path source, List<TensorSummary> tensors, Map<String, String> others)
            throws Exception {
        ObjectNode root = JSON.createObjectNode();
        root.put("path", source.toString());
        ArrayNode list = root.putArray("tensors");
        for (TensorSummary t : tensors) {
            ObjectNode o = list.addObject();
            o.put("name", t.name()).put("dtype", t.dtype());
            ArrayNode shape = o.putArray("shape");
            Arrays.stream(t.shape()).forEach(shape::add);
            o.put("numel", t.numel());
            ArrayNode values = o.putArray("values");
            for (double v : t.values()) {
                if (isFloating(t)) {
                    values.add((float) v);
                } else {
                    values.add((long) v);
                }
            }
            o.put("file", t.file().toString());
        }
        ObjectNode otherNode = root.putObject("other_entries");
        others.forEach(otherNode::put);
        System.out.println(JSON.writeValueAsString(root));
    }
}

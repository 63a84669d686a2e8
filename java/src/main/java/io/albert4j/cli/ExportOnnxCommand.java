package io.albert4j.cli;

import io.albert4j.io.onnx.AlbertOnnxExport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code albert export-onnx}: a model folder as an ONNX file for ONNX Runtime. */
@Command(name = "export-onnx", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Export a model folder as ONNX (opset " + AlbertOnnxExport.OPSET + "; inputs input_ids, "
                + "attention_mask, token_type_ids as int64 [batch, sequence], both dynamic; outputs "
                + "last_hidden_state, pooler_output and, with --heads, prediction_logits and sop_logits, or a fine-tuned "
                + "classifier's logits).")
final class ExportOnnxCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "model folder (any HF layout)")
    Path modelDir;
    @Option(names = "--out", required = true, paramLabel = "model.onnx") Path out;
    @Option(names = "--heads", split = ",", paramLabel = "mlm,sop",
            description = "heads to add to the encoder's outputs: mlm and/or sop (a pretrained model), or "
                    + "classifier (a model from albert finetune)")
    List<String> heads = List.of();

    @Override
    public Integer call() throws Exception {
        Set<AlbertOnnxExport.Head> chosen = EnumSet.noneOf(AlbertOnnxExport.Head.class);
        for (String head : heads) {
            try {
                chosen.add(AlbertOnnxExport.Head.valueOf(head.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--heads: unknown head '" + head + "' (known: mlm, sop, "
                        + "classifier)");
            }
        }
        AlbertOnnxExport.export(modelDir, out, chosen);
        System.out.printf("wrote %s (%,d bytes, opset %d, outputs last_hidden_state, pooler_output%s)%n", out,
                Files.size(out), AlbertOnnxExport.OPSET,
                (chosen.contains(AlbertOnnxExport.Head.MLM) ? ", prediction_logits" : "")
                        + (chosen.contains(AlbertOnnxExport.Head.SOP) ? ", sop_logits" : "")
                        + (chosen.contains(AlbertOnnxExport.Head.CLASSIFIER) ? ", logits" : ""));
        return 0;
    }
}

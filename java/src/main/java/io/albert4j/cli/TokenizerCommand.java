package io.albert4j.cli;

import io.albert4j.tokenizer.AlbertTokenizer;
import io.albert4j.tokenizer.SentencePieceProcessor;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code albert tokenizer encode|decode}: SentencePiece on stdin/stdout, one line per line like spm_encode. */
@Command(name = "tokenizer", mixinStandardHelpOptions = true, description = "SentencePiece tokenizer tools.",
        subcommands = {TokenizerCommand.Encode.class, TokenizerCommand.Decode.class, TokenizerTrainCommand.class})
final class TokenizerCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "encode", mixinStandardHelpOptions = true, description = "Encode stdin lines to ids or pieces.")
    static final class Encode implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "SentencePiece .model file")
        Path model;

        @Option(names = "--output-format", defaultValue = "piece", description = "id or piece (default piece, as spm_encode)")
        String outputFormat;

        @Option(names = "--albert", description = "apply ALBERT pre-processing and the digit-comma re-split")
        boolean albert;

        @Override
        public Integer call() throws Exception {
            if (!outputFormat.equals("id") && !outputFormat.equals("piece")) {
                throw new IllegalArgumentException("--output-format must be id or piece, got '" + outputFormat + "'");
            }
            SentencePieceProcessor spm = SentencePieceProcessor.load(model);
            AlbertTokenizer albertTokenizer = albert ? new AlbertTokenizer(spm, true) : null;
            boolean ids = outputFormat.equals("id");
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                    BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (albertTokenizer != null) {
                        out.write(ids ? join(albertTokenizer.encode(line)) : String.join(" ", albertTokenizer.encodeAsPieces(line)));
                    } else {
                        out.write(ids ? join(spm.encodeIds(line)) : String.join(" ", spm.encodePieces(line)));
                    }
                    out.newLine();
                }
            }
            return 0;
        }

        private static String join(int[] ids) {
            return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(" "));
        }
    }

    @Command(name = "decode", mixinStandardHelpOptions = true, description = "Decode stdin lines of ids or pieces.")
    static final class Decode implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "SentencePiece .model file")
        Path model;

        @Option(names = "--input-format", defaultValue = "piece", description = "id or piece (default piece)")
        String inputFormat;

        @Override
        public Integer call() throws Exception {
            if (!inputFormat.equals("id") && !inputFormat.equals("piece")) {
                throw new IllegalArgumentException("--input-format must be id or piece, got '" + inputFormat + "'");
            }
            SentencePieceProcessor spm = SentencePieceProcessor.load(model);
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                    BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8))) {
                int lineNumber = 0;
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lineNumber++;
                    String[] fields = line.isBlank() ? new String[0] : line.trim().split(" +");
                    if (inputFormat.equals("id")) {
                        int[] ids = new int[fields.length];
                        for (int i = 0; i < fields.length; i++) {
                            try {
                                ids[i] = Integer.parseInt(fields[i]);
                            } catch (NumberFormatException e) {
                                throw new IllegalArgumentException("stdin line " + lineNumber + ": '" + fields[i] + "' is not an id");
                            }
                        }
                        out.write(spm.decodeIds(ids));
                    } else {
                        out.write(spm.decodePieces(fields));
                    }
                    out.newLine();
                }
            }
            return 0;
        }
    }
}

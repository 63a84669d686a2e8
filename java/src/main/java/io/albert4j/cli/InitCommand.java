package io.albert4j.cli;

import io.albert4j.albert.AlbertConfig;
import io.albert4j.albert.AlbertForPreTraining;
import io.albert4j.io.HfModelDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code albert init}: a freshly initialised AlbertForPreTraining as a HuggingFace model directory. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Write a freshly initialised ALBERT (HF model directory) for pretraining from scratch.")
final class InitCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "NAME|FILE",
            description = "a preset (base, large, xlarge, xxlarge, optionally -v1/-v2) or a config.json")
    String config;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "directory to write; an earlier model there is replaced, other files are refused")
    Path outDir;

    @Option(names = "--overwrite", description = "write into --out although it holds other files (they are kept)")
    boolean overwrite;

    @Option(names = "--seed", defaultValue = "0", description = "initialisation seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws IOException {
        HfModelDirectory.checkCanSave(outDir, overwrite);
        AlbertConfig albertConfig = config.endsWith(".json") || Files.isRegularFile(Path.of(config))
                ? AlbertConfig.read(Path.of(config)) : AlbertConfig.preset(config);
        try (AlbertForPreTraining model = AlbertForPreTraining.create(albertConfig, seed)) {
            model.save(outDir, null, overwrite);
            System.out.printf("wrote %s: AlbertForPreTraining, %,d parameters, seed %d%n", outDir,
                    model.parameterCount(), seed);
        }
        return 0;
    }
}

package io.albert4j.cli;

import io.albert4j.train.TrainingPlot;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code albert plot DIR}: training curves from DIR/metrics.jsonl as a PNG and a self-contained HTML page. */
@Command(name = "plot", mixinStandardHelpOptions = true,
        description = "Plot loss, MLM/SOP accuracy (fine-tuning: the task's eval metrics) and learning rate from "
                + "DIR/metrics.jsonl into "
                + "DIR/training-curves.png and DIR/training-curves.html.")
final class PlotCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "Run directory holding metrics.jsonl.")
    Path dir;

    @Override
    public Integer call() throws Exception {
        write(dir);
        return 0;
    }

    /** Writes the curves of the run in {@code dir} and says where they are. */
    static void write(Path dir) throws java.io.IOException {
        Path png = TrainingPlot.write(dir);
        System.out.println("wrote " + png + " and " + dir.resolve(TrainingPlot.HTML_FILE));
    }
}

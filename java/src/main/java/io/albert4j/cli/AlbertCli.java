package io.albert4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code albert} command line; each subcommand lives in its own class in this package. */
@Command(name = "albert", mixinStandardHelpOptions = true, version = "albert4j 0.1.0",
        description = "ALBERT on a native compute engine: pretrain, fine-tune, run and benchmark.",
        subcommands = {
                CommandLine.HelpCommand.class,
                BenchCommand.class,
                InfoCommand.class,
                ForwardCommand.class,
                InitCommand.class,
                PlotCommand.class,
                DataCommand.class,
                PretrainCommand.class,
                EvalCommand.class,
                FillMaskCommand.class,
                DemoCommand.class,
                FinetuneCommand.class,
                PredictCommand.class,
                TokenizerCommand.class,
                ConvertCommand.class,
                ExportOnnxCommand.class,
                InspectCommand.class,
        })
public final class AlbertCli implements Runnable {
    private static final String LOG_FORMAT = "java.util.logging.SimpleFormatter.format";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit code (tests call this instead of main). */
    public static int run(String... args) {
        // The library's warnings (e.g. HF's "newly initialized" line on load) as one line each on stderr,
        // not java.util.logging's default of a date-and-source line above every message.
        if (System.getProperty(LOG_FORMAT) == null) {
            System.setProperty(LOG_FORMAT, "%4$s: %5$s%6$s%n");
        }
        return new CommandLine(new AlbertCli())
                .setExecutionExceptionHandler(new CliErrors())
                .execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}

package io.albert4j.cli;

import io.albert4j.io.ForeignFilesException;
import picocli.CommandLine;

/**
 * Turns an exception from a command into one clear line on stderr and exit code 1; the stack trace only with
 * {@code ALBERT4J_DEBUG=1}. Users see "albert pretrain: corpus 'x.txt' is empty", not a Java trace.
 */
final class CliErrors implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        String message = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        if (ex instanceof ForeignFilesException && commandLine.getCommandSpec().findOption("--overwrite") != null) {
            message += "; --overwrite writes there anyway, replacing only the files albert4j writes";
        }
        commandLine.getErr().println("albert " + commandLine.getCommandName() + ": " + message);
        if ("1".equals(System.getenv("ALBERT4J_DEBUG"))) {
            ex.printStackTrace(commandLine.getErr());
        }
        return 1;
    }
}

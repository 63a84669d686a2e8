package io.albert4j.cli;

import io.albert4j.tokenizer.UnigramTrainerConfig;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/** Tokenizer training as the CLI shows it: a progress bar for the EM rounds on a terminal, stderr lines otherwise. */
final class TokenizerProgress implements UnigramTrainerConfig.Progress, AutoCloseable {
    private final boolean terminal = System.console() != null && System.console().isTerminal();
    private ProgressBar bar;

    @Override
    public void update(String stage, long done, long total, String detail) {
        if (terminal && stage.equals("EM")) {
            if (bar == null) {
                bar = new ProgressBarBuilder().setTaskName("unigram EM").setInitialMax(total).build();
            }
            bar.maxHint(total);
            bar.stepTo(done);
            bar.setExtraMessage(detail);
            return;
        }
        if (stage.equals("reading") && done != total) {
            if (!terminal) {
                return; // one line at the end of reading is enough in logs
            }
        }
        System.err.println(stage + (total > 0 ? " " + done + "/" + total : "") + ": " + detail);
    }

    @Override
    public void finished() {
        close();
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}

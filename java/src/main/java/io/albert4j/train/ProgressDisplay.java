package io.albert4j.train;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Training progress: step/total (the total as now planned: a run with a time budget re-plans it), loss, MLM and
 * SOP accuracy, learning rate, tokens/s and ETA. On a terminal a live progress bar (me.tongfei:progressbar);
 * elsewhere (CI, redirected output) one log line every {@code logInterval}, plus the last step, so logs stay
 * readable.
 */
public final class ProgressDisplay implements AutoCloseable {
    private long totalSteps;
    private final long startStep;
    private final ProgressBar bar;
    private final PrintStream out;
    private final long logIntervalNanos;
    private final LongSupplier nanoTime;
    private final long startNanos;
    private long lastLogNanos;
    private boolean loggedAny;

    /** A bar when stdout is a terminal, log lines every 30 s otherwise. */
    public static ProgressDisplay create(String task, long totalSteps, long startStep) {
        java.io.Console console = System.console();
        boolean terminal = console != null && console.isTerminal();
        return new ProgressDisplay(task, totalSteps, startStep, terminal, System.out, Duration.ofSeconds(30),
                System::nanoTime);
    }

    public ProgressDisplay(String task, long totalSteps, long startStep, boolean terminal, PrintStream out,
                           Duration logInterval, LongSupplier nanoTime) {
        if (totalSteps <= 0 || startStep < 0 || startStep > totalSteps) {
            throw new IllegalArgumentException("progress: need 0 <= startStep <= totalSteps and totalSteps > 0, got "
                    + startStep + "/" + totalSteps);
        }
        this.totalSteps = totalSteps;
        this.startStep = startStep;
        this.out = out;
        this.logIntervalNanos = logInterval.toNanos();
        this.nanoTime = nanoTime;
        this.startNanos = nanoTime.getAsLong();
        this.bar = terminal ? new ProgressBarBuilder().setTaskName(task).setInitialMax(totalSteps)
                .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).startsFrom(startStep, Duration.ZERO)
                .setUpdateIntervalMillis(500).build() : null;
    }

    /** The run's planned total changed (a re-plan of a time budget); it is never below the steps done. */
    public void setTotalSteps(long totalSteps) {
        if (totalSteps <= 0 || totalSteps < startStep) {
            throw new IllegalArgumentException("progress: need totalSteps > 0 and >= the start step " + startStep
                    + ", got " + totalSteps);
        }
        if (totalSteps != this.totalSteps && bar != null) {
            bar.maxHint(totalSteps);
        }
        this.totalSteps = totalSteps;
    }

    /** Reports that {@code step} steps are done; NaN values are shown as "-". */
    public void update(long step, double loss, double mlmAccuracy, double sopAccuracy, double lr,
                       double tokensPerSecond) {
        show(step, metrics(loss, mlmAccuracy, sopAccuracy, lr, tokensPerSecond));
    }

    /** Reports a fine-tuning step: loss, learning rate, tokens/s and a task's note (e.g. the best dev score). */
    public void update(long step, double loss, double lr, double tokensPerSecond, String note) {
        String metrics = "loss " + fmt("%.4f", loss) + " lr " + fmt("%.3e", lr) + " tok/s " + fmt("%.0f", tokensPerSecond)
                + (note == null || note.isEmpty() ? "" : " best " + note);
        show(step, metrics);
    }

    private void show(long step, String metrics) {
        if (bar != null) {
            bar.stepTo(step);
            bar.setExtraMessage(metrics);
            return;
        }
        long now = nanoTime.getAsLong();
        if (loggedAny && now - lastLogNanos < logIntervalNanos && step < totalSteps) {
            return;
        }
        loggedAny = true;
        lastLogNanos = now;
        out.println(String.format(Locale.ROOT, "step %d/%d (%.1f%%) %s eta %s", step, totalSteps,
                100.0 * step / totalSteps, metrics, formatEta(eta(step, now))));
        out.flush();
    }

    /** Remaining time at the average pace since this display started, or null before any progress. */
    Duration eta(long step, long nowNanos) {
        long done = step - startStep;
        if (done <= 0) {
            return null;
        }
        double nanosPerStep = (double) (nowNanos - startNanos) / done;
        return Duration.ofNanos((long) (nanosPerStep * Math.max(0, totalSteps - step)));
    }

    static String formatEta(Duration eta) {
        if (eta == null) {
            return "?";
        }
        long s = eta.toSeconds();
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }

    private static String metrics(double loss, double mlm, double sop, double lr, double tokensPerSecond) {
        return "loss " + fmt("%.4f", loss) + " mlm_acc " + fmt("%.4f", mlm) + " sop_acc " + fmt("%.4f", sop)
                + " lr " + fmt("%.3e", lr) + " tok/s " + fmt("%.0f", tokensPerSecond);
    }

    private static String fmt(String pattern, double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, pattern, v);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}

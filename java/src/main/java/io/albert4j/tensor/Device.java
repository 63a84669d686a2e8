package io.albert4j.tensor;

/** Where a tensor's memory lives. {@link #CPU} is the default; {@code Device.cuda(0)} the first GPU. */
public record Device(Kind kind, int index) {

    public enum Kind { CPU, CUDA }

    public static final Device CPU = new Device(Kind.CPU, 0);

    public Device {
        if (index < 0) {
            throw new IllegalArgumentException("device index must be >= 0, got " + index);
        }
    }

    public static Device cuda(int index) {
        return new Device(Kind.CUDA, index);
    }

    /** Parses "cpu", "cuda", "cuda:1". */
    public static Device parse(String text) {
        String lower = text.trim().toLowerCase(java.util.Locale.ROOT);
        if (lower.equals("cpu")) {
            return CPU;
        }
        if (lower.equals("cuda") || lower.equals("gpu")) {
            return cuda(0);
        }
        if (lower.startsWith("cuda:")) {
            return cuda(Integer.parseInt(lower.substring(5)));
        }
        throw new IllegalArgumentException("unknown device '" + text + "': expected cpu, cuda or cuda:N");
    }

    public boolean isCpu() {
        return kind == Kind.CPU;
    }

    @Override
    public String toString() {
        return kind == Kind.CPU ? "cpu" : "cuda:" + index;
    }
}

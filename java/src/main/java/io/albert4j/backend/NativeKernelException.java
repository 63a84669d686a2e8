package io.albert4j.backend;

/** A native kernel returned a failure status; the message names the kernel and the native error text. */
public final class NativeKernelException extends RuntimeException {
    private final int status;

    public NativeKernelException(String kernel, int status, String nativeMessage) {
        super(kernel + " failed with status " + status + (nativeMessage == null || nativeMessage.isEmpty() ? "" : ": " + nativeMessage));
        this.status = status;
    }

    public int status() {
        return status;
    }
}

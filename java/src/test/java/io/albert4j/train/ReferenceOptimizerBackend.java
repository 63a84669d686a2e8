package io.albert4j.train;

import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.tensor.Tensor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * The CPU backend with its optimizer kernels (sum_squares, adamw_update, lamb_update) replaced by plain Java
 * implementations of the C ABI's documented semantics (albert4j.h; GR optimization.py / lamb_optimizer.py). Lets the
 * optimizer logic be tested while the native kernels are being written, and is the reference they are checked
 * against.
 */
final class ReferenceOptimizerBackend {
    private ReferenceOptimizerBackend() {
    }

    static Backend create() {
        Backend cpu = Backends.cpu();
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "sumSquares" -> {
                        sumSquares((Tensor) args[0], (Tensor) args[1]);
                        yield null;
                    }
                    case "adamwUpdate" -> {
                        update((Tensor) args[0], (Tensor) args[1], (Tensor) args[2], (Tensor) args[3], (float) args[4],
                                (float) args[5], (float) args[6], (float) args[7], (float) args[8], false,
                                (float) args[9]);
                        yield null;
                    }
                    case "lambUpdate" -> update((Tensor) args[0], (Tensor) args[1], (Tensor) args[2], (Tensor) args[3],
                            (float) args[4], (float) args[5], (float) args[6], (float) args[7], (float) args[8],
                            (boolean) args[9], (float) args[10]);
                    default -> {
                        try {
                            yield method.invoke(cpu, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    }
                });
    }

    static void sumSquares(Tensor x, Tensor out) {
        double sum = 0;
        for (float value : x.toFloatArray()) {
            sum += (double) value * value;
        }
        out.setFloat(0, (float) (out.getFloat(0) + sum));
    }

    /** AdamW when {@code useTrustRatio} is false, LAMB otherwise; returns the trust ratio applied. */
    static float update(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                        float weightDecay, boolean useTrustRatio, float gradScale) {
        float[] w = param.toFloatArray();
        float[] g = grad.toFloatArray();
        float[] mm = m.toFloatArray();
        float[] vv = v.toFloatArray();
        double[] u = new double[w.length];
        double wNorm = 0;
        double uNorm = 0;
        for (int i = 0; i < w.length; i++) {
            double gi = (double) g[i] * gradScale;
            mm[i] = (float) (beta1 * (double) mm[i] + (1 - (double) beta1) * gi);
            vv[i] = (float) (beta2 * (double) vv[i] + (1 - (double) beta2) * gi * gi);
            u[i] = mm[i] / (Math.sqrt(vv[i]) + eps) + (double) weightDecay * w[i];
            wNorm += (double) w[i] * w[i];
            uNorm += u[i] * u[i];
        }
        wNorm = Math.sqrt(wNorm);
        uNorm = Math.sqrt(uNorm);
        double ratio = useTrustRatio && wNorm > 0 && uNorm > 0 ? wNorm / uNorm : 1.0;
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (w[i] - ratio * lr * u[i]);
        }
        param.copyFrom(w);
        m.copyFrom(mm);
        v.copyFrom(vv);
        return (float) ratio;
    }
}

package io.albert4j.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.albert4j.backend.Backends;
import io.albert4j.backend.cuda.CudaBackend;
import io.albert4j.backend.cuda.CudaBackendProvider;
import io.albert4j.dist.internal.Mpi;
import io.albert4j.dist.internal.Nccl;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Device;
import io.albert4j.tensor.Tensor;
import java.lang.foreign.Arena;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * NCCL on the GPU: a one-rank job (MPI's singleton init, no mpirun) whose all-reduce leaves a device tensor as it
 * was and whose host collectives go over MPI. Needs a GPU, libnccl.so.2 and libmpi.so.40; skipped otherwise.
 */
@Tag("cuda")
class NcclCommunicatorTest {
    @Test
    void oneGpuRankReducesOnItsStream() {
        String noGpu = new CudaBackendProvider().unavailableReason();
        assumeTrue(noGpu == null, () -> "skipped, no GPU: " + noGpu);
        String noNccl = Nccl.unavailableReason();
        assumeTrue(noNccl == null, () -> "skipped: " + noNccl);
        String noMpi = Mpi.unavailableReason();
        assumeTrue(noMpi == null, () -> "skipped: " + noMpi);
        CudaBackend gpu = (CudaBackend) Backends.get(Device.cuda(0));
        float[] values = {1.5f, -2f, 3.25f, 0f, 7f};
        try (NcclCommunicator nccl = NcclCommunicator.over(MpiCommunicator.world(Duration.ofSeconds(60),
                System.err), gpu); Arena arena = Arena.ofConfined()) {
            assertEquals(1, nccl.size());
            assertTrue(nccl.description().startsWith("NCCL 2."), nccl.description());
            Tensor device = new Tensor(gpu.allocate(values.length * 4L, arena), DType.F32, gpu.device(),
                    values.length);
            try (Tensor host = Tensor.ofFloats(values, values.length)) {
                gpu.copy(host, device);
            }
            nccl.allReduceSum(device);
            assertArrayEquals(values, Backends.hostFloats(device), "a sum over one rank");
            double[] counts = {4};
            nccl.allReduceSum(counts);
            assertEquals(4, counts[0]);
        }
    }
}

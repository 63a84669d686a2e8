package io.albert4j.jcuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.tensor.DType;
import io.albert4j.tensor.Device;
import io.albert4j.tensor.Tensor;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Test;

/**
 * The address plumbing between JCuda pointers and albert4j tensors. No GPU is touched: a JCuda pointer is a Java
 * object holding an address, and a device tensor a segment at one, so the addresses are what is checked.
 */
class JCudaPointersTest {
    private static final long ADDRESS = 0x7f12_3456_7000L;

    @Test
    void aDevicePointerBecomesATensorAtItsAddressAndBack() {
        CUdeviceptr pointer = JCudaPointers.withAddress(new CUdeviceptr(), ADDRESS);
        Tensor t = JCudaPointers.tensor(pointer, DType.F32, Device.cuda(0), 4, 8);
        assertEquals(ADDRESS, t.data().address());
        assertEquals(4 * 8 * 4, t.data().byteSize(), "the tensor spans its shape, no more");
        assertArrayEquals(new int[] {4, 8}, t.shape());
        assertEquals(Device.cuda(0), t.device());
        assertEquals(ADDRESS, JCudaPointers.address(JCudaPointers.pointer(t)));
        assertEquals(ADDRESS, JCudaPointers.address(JCudaPointers.devicePointer(t)));
    }

    @Test
    void aJCudaByteOffsetMovesTheTensor() {
        CUdeviceptr base = JCudaPointers.withAddress(new CUdeviceptr(), ADDRESS);
        Tensor t = JCudaPointers.tensor(base.withByteOffset(256), DType.BF16, Device.cuda(1), 10);
        assertEquals(ADDRESS + 256, t.data().address());
        assertEquals(20, t.data().byteSize());
        assertEquals(ADDRESS + 256 + 64, JCudaPointers.address(JCudaPointers.pointer(t).withByteOffset(64)));
    }

    @Test
    void hostMemoryNullPointersAndHostDevicesAreRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> JCudaPointers.tensor(Pointer.to(new float[4]), DType.F32, Device.cuda(0), 4));
        assertTrue(e.getMessage().contains("host memory"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> JCudaPointers.tensor(new CUdeviceptr(), DType.F32, Device.cuda(0), 4));
        assertTrue(e.getMessage().contains("null"), e.getMessage());
        CUdeviceptr pointer = JCudaPointers.withAddress(new CUdeviceptr(), ADDRESS);
        e = assertThrows(IllegalArgumentException.class,
                () -> JCudaPointers.tensor(pointer, DType.F32, Device.CPU, 4));
        assertTrue(e.getMessage().contains("not a CUDA device"), e.getMessage());
        try (Tensor host = Tensor.ofFloats(new float[] {1, 2}, 2)) {
            e = assertThrows(IllegalArgumentException.class, () -> JCudaPointers.pointer(host));
            assertTrue(e.getMessage().contains("CUDA tensors"), e.getMessage());
        }
    }
}

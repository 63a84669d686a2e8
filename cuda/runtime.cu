// Library-wide state of libalbert4j_cuda.so: the thread-local error message, device queries, the caching
// device allocator (a training step does no cudaMalloc once warmed up), streams, copies, L2 persistence and
// pinned host memory. The CPU library's thread/ISA entry points exist here too so both libraries export the
// same runtime names.
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "cuda_common.cuh"

namespace a4j {
namespace {
thread_local std::string last_error_message;

// Blocks are rounded up (512 B below 1 MiB, 2 MiB above) so that freed blocks fit later requests of similar size.
int64_t round_size(int64_t bytes) {
  if (bytes <= 0) bytes = 1;
  const int64_t small = 512, large = 2LL << 20;
  return bytes < (1LL << 20) ? (bytes + small - 1) / small * small : (bytes + large - 1) / large * large;
}

struct CachingAllocator {
  std::mutex lock;
  std::multimap<int64_t, void*> free_blocks;         // size -> block, best fit by lower_bound
  std::unordered_map<void*, int64_t> live_blocks;    // block -> size
  int64_t in_use = 0, cached = 0, device_mallocs = 0;

  int release_cached() {  // caller holds lock
    A4J_CUDA_CHECK(cudaDeviceSynchronize());
    for (auto& entry : free_blocks) A4J_CUDA_CHECK(cudaFree(entry.second));
    free_blocks.clear();
    cached = 0;
    return A4J_OK;
  }

  int allocate(void** out, int64_t bytes) {
    int64_t size = round_size(bytes);
    std::lock_guard<std::mutex> guard(lock);
    auto fit = free_blocks.lower_bound(size);
    // Take a cached block unless it would waste more than half of itself.
    if (fit != free_blocks.end() && fit->first <= 2 * size) {
      *out = fit->second;
      live_blocks[fit->second] = fit->first;
      cached -= fit->first;
      in_use += fit->first;
      free_blocks.erase(fit);
      return A4J_OK;
    }
    void* ptr = nullptr;
    cudaError_t status = cudaMalloc(&ptr, static_cast<size_t>(size));
    if (status == cudaErrorMemoryAllocation && !free_blocks.empty()) {
      (void)cudaGetLastError();
      int released = release_cached();
      if (released != A4J_OK) return released;
      status = cudaMalloc(&ptr, static_cast<size_t>(size));
    }
    if (status != cudaSuccess) return cuda_error(status, "cudaMalloc", __FILE__, __LINE__);
    ++device_mallocs;
    live_blocks[ptr] = size;
    in_use += size;
    *out = ptr;
    return A4J_OK;
  }

  int release(void* ptr) {
    if (ptr == nullptr) return A4J_OK;
    std::lock_guard<std::mutex> guard(lock);
    auto it = live_blocks.find(ptr);
    if (it == live_blocks.end()) return set_error(A4J_ERR_INVALID_ARGUMENT, "a4j_cuda_free: pointer was not allocated by a4j_cuda_malloc");
    free_blocks.emplace(it->second, ptr);
    in_use -= it->second;
    cached += it->second;
    live_blocks.erase(it);
    return A4J_OK;
  }
};

CachingAllocator& allocator() {
  static CachingAllocator* instance = new CachingAllocator();  // never destroyed: the driver may be gone at exit
  return *instance;
}

struct Scratch {
  void* ptr = nullptr;
  int64_t bytes = 0;
};
std::mutex scratch_lock;
std::unordered_map<cudaStream_t, Scratch>& scratch_map() {
  static auto* map = new std::unordered_map<cudaStream_t, Scratch>();
  return *map;
}
}  // namespace

int set_error(int status, const char* message) {
  last_error_message = message;
  return status;
}

int cuda_error(cudaError_t error, const char* what, const char* file, int line) {
  char buffer[512];
  const char* base = strrchr(file, '/');
  std::snprintf(buffer, sizeof buffer, "%s failed at %s:%d: %s (%s)", what, base ? base + 1 : file, line,
                cudaGetErrorString(error), cudaGetErrorName(error));
  last_error_message = buffer;
  return error == cudaErrorMemoryAllocation ? A4J_ERR_OUT_OF_MEMORY : A4J_ERR_DEVICE;
}

int stream_scratch(cudaStream_t stream, int64_t bytes, void** out) {
  std::lock_guard<std::mutex> guard(scratch_lock);
  Scratch& s = scratch_map()[stream];
  if (s.bytes < bytes) {
    if (s.ptr != nullptr) {
      // Earlier kernels on this stream may still read the old buffer.
      A4J_CUDA_CHECK(cudaStreamSynchronize(stream));
      int status = allocator().release(s.ptr);
      if (status != A4J_OK) return status;
      s.ptr = nullptr;
      s.bytes = 0;
    }
    int64_t size = bytes < (64 << 10) ? (64 << 10) : bytes;
    int status = allocator().allocate(&s.ptr, size);
    if (status != A4J_OK) return status;
    s.bytes = size;
  }
  *out = s.ptr;
  return A4J_OK;
}
}  // namespace a4j

extern "C" {
A4J_API int a4j_version(void) { return 1; }
A4J_API int a4j_set_num_threads(int threads) { (void)threads; return A4J_OK; }  // GPU work is not threaded by the host
A4J_API int a4j_get_num_threads(void) { return 1; }
A4J_API int a4j_cpu_isa(void) { return 0; }  // no CPU kernels in this library
A4J_API int a4j_avx512_clones(void) { return 0; }
A4J_API const char* a4j_last_error(void) { return a4j::last_error_message.c_str(); }

A4J_API int a4j_cuda_device_count(int* count) {
  *count = 0;
  A4J_CUDA_CHECK(cudaGetDeviceCount(count));
  return A4J_OK;
}

A4J_API int a4j_cuda_set_device(int device) {
  A4J_CUDA_CHECK(cudaSetDevice(device));
  return A4J_OK;
}

A4J_API int a4j_cuda_device_info(int device, char* name, int capacity, int* compute_capability, int64_t* total_bytes) {
  cudaDeviceProp prop;
  A4J_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  if (name != nullptr && capacity > 0) std::snprintf(name, static_cast<size_t>(capacity), "%s", prop.name);
  if (compute_capability != nullptr) *compute_capability = prop.major * 10 + prop.minor;
  if (total_bytes != nullptr) *total_bytes = static_cast<int64_t>(prop.totalGlobalMem);
  return A4J_OK;
}

A4J_API int a4j_cuda_malloc(void** ptr, int64_t bytes) { return a4j::allocator().allocate(ptr, bytes); }
A4J_API int a4j_cuda_free(void* ptr) { return a4j::allocator().release(ptr); }

A4J_API int a4j_cuda_empty_cache(void) {
  auto& a = a4j::allocator();
  std::lock_guard<std::mutex> guard(a.lock);
  return a.release_cached();
}

A4J_API int a4j_cuda_memory_stats(int64_t* in_use_bytes, int64_t* cached_bytes, int64_t* device_mallocs) {
  auto& a = a4j::allocator();
  std::lock_guard<std::mutex> guard(a.lock);
  if (in_use_bytes != nullptr) *in_use_bytes = a.in_use;
  if (cached_bytes != nullptr) *cached_bytes = a.cached;
  if (device_mallocs != nullptr) *device_mallocs = a.device_mallocs;
  return A4J_OK;
}

A4J_API int a4j_cuda_memcpy_h2d(void* dst, const void* src, int64_t bytes, void* stream) {
  if (bytes <= 0) return A4J_OK;
  A4J_CUDA_CHECK(cudaMemcpyAsync(dst, src, static_cast<size_t>(bytes), cudaMemcpyHostToDevice, a4j::as_stream(stream)));
  return A4J_OK;
}
A4J_API int a4j_cuda_memcpy_d2h(void* dst, const void* src, int64_t bytes, void* stream) {
  if (bytes <= 0) return A4J_OK;
  A4J_CUDA_CHECK(cudaMemcpyAsync(dst, src, static_cast<size_t>(bytes), cudaMemcpyDeviceToHost, a4j::as_stream(stream)));
  return A4J_OK;
}
A4J_API int a4j_cuda_memcpy_d2d(void* dst, const void* src, int64_t bytes, void* stream) {
  if (bytes <= 0) return A4J_OK;
  A4J_CUDA_CHECK(cudaMemcpyAsync(dst, src, static_cast<size_t>(bytes), cudaMemcpyDeviceToDevice, a4j::as_stream(stream)));
  return A4J_OK;
}
A4J_API int a4j_cuda_memset(void* dst, int value, int64_t bytes, void* stream) {
  if (bytes <= 0) return A4J_OK;
  A4J_CUDA_CHECK(cudaMemsetAsync(dst, value, static_cast<size_t>(bytes), a4j::as_stream(stream)));
  return A4J_OK;
}

A4J_API int a4j_cuda_stream_create(void** stream) {
  cudaStream_t s = nullptr;
  A4J_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  *stream = s;
  return A4J_OK;
}
A4J_API int a4j_cuda_stream_destroy(void* stream) {
  cudaStream_t s = a4j::as_stream(stream);
  A4J_CUDA_CHECK(cudaStreamSynchronize(s));
  {
    std::lock_guard<std::mutex> guard(a4j::scratch_lock);
    auto it = a4j::scratch_map().find(s);
    if (it != a4j::scratch_map().end()) {
      int status = a4j::allocator().release(it->second.ptr);
      a4j::scratch_map().erase(it);
      if (status != A4J_OK) return status;
    }
  }
  if (s != nullptr) A4J_CUDA_CHECK(cudaStreamDestroy(s));
  return A4J_OK;
}
A4J_API int a4j_cuda_stream_synchronize(void* stream) {
  A4J_CUDA_CHECK(cudaStreamSynchronize(a4j::as_stream(stream)));
  return A4J_OK;
}

A4J_API int a4j_cuda_l2_persist(void* stream, const void* base, int64_t bytes, float hit_ratio) {
  int device = 0;
  A4J_CUDA_CHECK(cudaGetDevice(&device));
  int max_persisting = 0, max_window = 0;
  A4J_CUDA_CHECK(cudaDeviceGetAttribute(&max_persisting, cudaDevAttrMaxPersistingL2CacheSize, device));
  A4J_CUDA_CHECK(cudaDeviceGetAttribute(&max_window, cudaDevAttrMaxAccessPolicyWindowSize, device));
  if (max_persisting <= 0 || max_window <= 0) return A4J_OK;  // no persisting L2 on this device
  int64_t window = bytes < max_window ? bytes : max_window;
  if (window > 0) {
    int64_t carve = window < max_persisting ? window : max_persisting;
    A4J_CUDA_CHECK(cudaDeviceSetLimit(cudaLimitPersistingL2CacheSize, static_cast<size_t>(carve)));
  }
  cudaStreamAttrValue attribute = {};
  attribute.accessPolicyWindow.base_ptr = const_cast<void*>(base);
  attribute.accessPolicyWindow.num_bytes = static_cast<size_t>(window > 0 ? window : 0);
  attribute.accessPolicyWindow.hitRatio = hit_ratio <= 0.0f ? 0.0f : (hit_ratio > 1.0f ? 1.0f : hit_ratio);
  attribute.accessPolicyWindow.hitProp = window > 0 ? cudaAccessPropertyPersisting : cudaAccessPropertyNormal;
  attribute.accessPolicyWindow.missProp = cudaAccessPropertyStreaming;
  A4J_CUDA_CHECK(cudaStreamSetAttribute(a4j::as_stream(stream), cudaStreamAttributeAccessPolicyWindow, &attribute));
  if (window == 0) A4J_CUDA_CHECK(cudaCtxResetPersistingL2Cache());
  return A4J_OK;
}

A4J_API int a4j_cuda_host_alloc(void** ptr, int64_t bytes) {
  A4J_CUDA_CHECK(cudaHostAlloc(ptr, static_cast<size_t>(bytes > 0 ? bytes : 1), cudaHostAllocMapped | cudaHostAllocPortable));
  return A4J_OK;
}
A4J_API int a4j_cuda_host_free(void* ptr) {
  if (ptr != nullptr) A4J_CUDA_CHECK(cudaFreeHost(ptr));
  return A4J_OK;
}
}

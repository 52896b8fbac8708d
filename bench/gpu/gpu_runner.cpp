//===- gpu_runner.cpp - ftpc's PTX step kernels on a GPU, against the CPU kernels ---===//
//
// Links the two objects ftp-gpu-bundle writes: cpu_kernels.o (the step kernels lowered for the
// CPU, the reference) and gpu_kernels_<chip>.o (the same kernels through gpu -> NVVM -> PTX; its
// host code launches the embedded PTX through the mgpu* functions below, MLIR's runtime-wrapper
// ABI, implemented here over the CUDA driver API, which is loaded with dlopen so that nothing
// of CUDA is needed to build this file). Then:
//
//  1. correctness: every kernel on the same random inputs on both sides (n = 2^20 + 37, so the
//     last thread block is partial), largest difference per output buffer;
//  2. bandwidth: the fused clip+noise+AdamW update at 1M, 10M and 100M parameters (32 bytes per
//     parameter: P, G, M, V read and written) against a device-to-device copy probe measured in
//     the same run and the H200's 4.8 TB/s;
//  3. one JSON object as the last line of stdout.
//
// usage: gpu_runner [--sizes 1000000,10000000,100000000] [--repeats 20] [--cpu-only]
// (--cpu-only runs only the CPU side: that the objects link and run, on a machine without a GPU)
// Exit: 0 all checks passed; 1 a check failed; 77 no usable CUDA device (nothing was measured).
//
//===----------------------------------------------------------------------------------------===//

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

// --- the kernel ABI (compiler/include/ftp/Kernels/KernelModule.h) ---------------------------

struct Buffer { // memref<?xf32> descriptor
  float *allocated, *aligned;
  int64_t offset, size, stride;
};
Buffer view(float *p, int64_t n) { return {p, p, 0, n, 1}; }

using UpdateFn = void (*)(Buffer *, Buffer *, Buffer *, Buffer *, float, float, int64_t, int64_t,
                          int32_t, int64_t, int64_t, float, float, float, float, float, float);
using ClipFn = void (*)(Buffer *, Buffer *, float);
using NoiseFn = void (*)(Buffer *, float, int64_t, int64_t, int32_t, int64_t);
using PerturbFn = void (*)(Buffer *, Buffer *, float, float);

} // namespace

extern "C" {
#define FTP_KERNELS(prefix)                                                                        \
  void _mlir_ciface_##prefix##ftp_update_adamw(Buffer *, Buffer *, Buffer *, Buffer *, float,      \
                                               float, int64_t, int64_t, int32_t, int64_t, int64_t, \
                                               float, float, float, float, float, float);          \
  void _mlir_ciface_##prefix##ftp_update_adamw_noise(Buffer *, Buffer *, Buffer *, Buffer *, float,\
                                                     float, int64_t, int64_t, int32_t, int64_t,    \
                                                     int64_t, float, float, float, float, float,   \
                                                     float);                                       \
  void _mlir_ciface_##prefix##ftp_update_adam(Buffer *, Buffer *, Buffer *, Buffer *, float, float,\
                                              int64_t, int64_t, int32_t, int64_t, int64_t, float,  \
                                              float, float, float, float, float);                  \
  void _mlir_ciface_##prefix##ftp_update_adam_noise(Buffer *, Buffer *, Buffer *, Buffer *, float, \
                                                    float, int64_t, int64_t, int32_t, int64_t,     \
                                                    int64_t, float, float, float, float, float,    \
                                                    float);                                        \
  void _mlir_ciface_##prefix##ftp_update_sgd(Buffer *, Buffer *, Buffer *, Buffer *, float, float, \
                                             int64_t, int64_t, int32_t, int64_t, int64_t, float,   \
                                             float, float, float, float, float);                   \
  void _mlir_ciface_##prefix##ftp_update_sgd_noise(Buffer *, Buffer *, Buffer *, Buffer *, float,  \
                                                   float, int64_t, int64_t, int32_t, int64_t,      \
                                                   int64_t, float, float, float, float, float,     \
                                                   float);                                         \
  void _mlir_ciface_##prefix##ftp_clip_accumulate(Buffer *, Buffer *, float);                      \
  void _mlir_ciface_##prefix##ftp_add_noise(Buffer *, float, int64_t, int64_t, int32_t, int64_t);  \
  void _mlir_ciface_##prefix##ftp_perturb_step(Buffer *, Buffer *, float, float);
FTP_KERNELS()
FTP_KERNELS(gpu_)
}

namespace {

// --- the CUDA driver API, loaded at run time ------------------------------------------------

using CUresult = int;
using CUdevice = int;
using CUcontext = void *;
using CUmodule = void *;
using CUfunction = void *;
using CUstream = void *;
using CUdeviceptr = unsigned long long;

struct Cuda {
  void *lib = nullptr;
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetName)(char *, int, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuCtxSynchronize)();
  CUresult (*cuModuleLoadData)(CUmodule *, const void *);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuStreamCreate)(CUstream *, unsigned);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, CUstream, void **, void **);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*cuMemcpyDtoH)(void *, CUdeviceptr, size_t);
  CUresult (*cuMemcpyDtoD)(CUdeviceptr, CUdeviceptr, size_t);
  CUresult (*cuGetErrorString)(CUresult, const char **);
  std::string why; // empty when usable
  CUstream stream = nullptr;
  std::map<const void *, CUmodule> modules;
} cuda;

template <typename F> bool bind(F &fn, const char *name) {
  fn = reinterpret_cast<F>(dlsym(cuda.lib, name));
  if (!fn)
    cuda.why = std::string("libcuda.so.1 lacks ") + name;
  return fn != nullptr;
}

void check(CUresult r, const char *what) {
  if (r == 0)
    return;
  const char *text = "unknown error";
  if (cuda.cuGetErrorString)
    cuda.cuGetErrorString(r, &text);
  std::fprintf(stderr, "gpu_runner: %s failed: %s (%d)\n", what, text, r);
  std::exit(1);
}

bool loadCuda() {
  cuda.lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!cuda.lib) {
    cuda.why = "no CUDA driver (libcuda.so.1 not found)";
    return false;
  }
  bool ok = bind(cuda.cuInit, "cuInit") && bind(cuda.cuDeviceGet, "cuDeviceGet") &&
            bind(cuda.cuDeviceGetName, "cuDeviceGetName") &&
            bind(cuda.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain") &&
            bind(cuda.cuCtxSetCurrent, "cuCtxSetCurrent") &&
            bind(cuda.cuCtxSynchronize, "cuCtxSynchronize") &&
            bind(cuda.cuModuleLoadData, "cuModuleLoadData") &&
            bind(cuda.cuModuleGetFunction, "cuModuleGetFunction") &&
            bind(cuda.cuStreamCreate, "cuStreamCreate") &&
            bind(cuda.cuStreamSynchronize, "cuStreamSynchronize") &&
            bind(cuda.cuLaunchKernel, "cuLaunchKernel") && bind(cuda.cuMemAlloc, "cuMemAlloc_v2") &&
            bind(cuda.cuMemFree, "cuMemFree_v2") && bind(cuda.cuMemcpyHtoD, "cuMemcpyHtoD_v2") &&
            bind(cuda.cuMemcpyDtoH, "cuMemcpyDtoH_v2") && bind(cuda.cuMemcpyDtoD, "cuMemcpyDtoD_v2") &&
            bind(cuda.cuGetErrorString, "cuGetErrorString");
  if (!ok)
    return false;
  if (CUresult r = cuda.cuInit(0); r != 0) {
    const char *text = "?";
    cuda.cuGetErrorString(r, &text);
    cuda.why = std::string("cuInit failed: ") + text; // the toolkit's stub library says so too
    return false;
  }
  CUdevice device;
  CUcontext context;
  check(cuda.cuDeviceGet(&device, 0), "cuDeviceGet");
  check(cuda.cuDevicePrimaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain");
  check(cuda.cuCtxSetCurrent(context), "cuCtxSetCurrent");
  check(cuda.cuStreamCreate(&cuda.stream, 0), "cuStreamCreate");
  return true;
}

} // namespace

// --- MLIR's runtime-wrapper ABI, as the host code of gpu_kernels_<chip>.o calls it ----------
// A module is loaded (and its PTX JIT-compiled by the driver) once, not at every launch; one
// stream serves every launch.
extern "C" {
void *mgpuModuleLoadJIT(void *data, int /*optLevel*/) {
  auto found = cuda.modules.find(data);
  if (found != cuda.modules.end())
    return found->second;
  CUmodule module;
  check(cuda.cuModuleLoadData(&module, data), "cuModuleLoadData (PTX JIT)");
  cuda.modules[data] = module;
  return module;
}
void *mgpuModuleLoad(void *data, size_t /*size*/) { return mgpuModuleLoadJIT(data, 0); }
void mgpuModuleUnload(void *) {}
void *mgpuModuleGetFunction(void *module, const char *name) {
  CUfunction function;
  check(cuda.cuModuleGetFunction(&function, module, name), "cuModuleGetFunction");
  return function;
}
void *mgpuStreamCreate() { return cuda.stream; }
void mgpuStreamDestroy(void *) {}
void mgpuStreamSynchronize(void *stream) { check(cuda.cuStreamSynchronize(stream), "cuStreamSynchronize"); }
void mgpuLaunchKernel(void *function, intptr_t gx, intptr_t gy, intptr_t gz, intptr_t bx,
                      intptr_t by, intptr_t bz, int32_t smem, void *stream, void **params,
                      void **extra, size_t /*paramsCount*/) {
  check(cuda.cuLaunchKernel(function, gx, gy, gz, bx, by, bz, smem, stream, params, extra),
        "cuLaunchKernel");
}
}

namespace {

// --- one kernel on both sides ----------------------------------------------------------------

struct DeviceBuffer {
  CUdeviceptr ptr = 0;
  int64_t n = 0;
  explicit DeviceBuffer(int64_t count) : n(count) {
    check(cuda.cuMemAlloc(&ptr, sizeof(float) * n), "cuMemAlloc");
  }
  ~DeviceBuffer() { cuda.cuMemFree(ptr); }
  float *data() const { return reinterpret_cast<float *>(ptr); }
  void upload(const std::vector<float> &h) { check(cuda.cuMemcpyHtoD(ptr, h.data(), 4 * n), "HtoD"); }
  std::vector<float> download() const {
    std::vector<float> h(n);
    check(cuda.cuMemcpyDtoH(h.data(), ptr, 4 * n), "DtoH");
    return h;
  }
};

std::vector<float> randomVector(int64_t n, uint32_t seed, float lo, float hi) {
  std::mt19937 generator(seed);
  std::uniform_real_distribution<float> uniform(lo, hi);
  std::vector<float> v(n);
  for (float &x : v)
    x = uniform(generator);
  return v;
}

// Largest |gpu - cpu| / max(1, |cpu|).
double relativeDifference(const std::vector<float> &cpu, const std::vector<float> &gpu) {
  double worst = 0;
  for (size_t i = 0; i < cpu.size(); ++i) {
    double d = std::fabs(double(gpu[i]) - double(cpu[i])) / std::max(1.0, std::fabs(double(cpu[i])));
    worst = std::isnan(d) ? INFINITY : std::max(worst, d);
  }
  return worst;
}

struct Case {
  std::string name;
  int buffers;       // how many of P, G, M, V the kernel reads and writes
  double tolerance;  // noise: libdevice's log/cos on the GPU, polynomials on the CPU
  std::function<void(std::vector<Buffer> &, bool gpu)> call;
};

} // namespace

int main(int argc, char **argv) {
  std::vector<int64_t> sizes{1000000, 10000000, 100000000};
  int repeats = 20;
  bool cpuOnly = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--sizes" && i + 1 < argc) {
      sizes.clear();
      for (char *p = std::strtok(argv[++i], ","); p; p = std::strtok(nullptr, ","))
        sizes.push_back(std::strtoll(p, nullptr, 10));
    } else if (arg == "--repeats" && i + 1 < argc) {
      repeats = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--cpu-only") {
      cpuOnly = true;
    } else {
      std::fprintf(stderr, "usage: gpu_runner [--sizes N,N,...] [--repeats R] [--cpu-only]\n");
      return 1;
    }
  }
  // hyperparameters of a typical step: step 10, lr 1e-3, betas, eps, weight decay, momentum
  const int64_t seed = 1234, noiseStep = 7, step = 10;
  const int32_t tensorId = 3;
  auto update = [&](const char *name, UpdateFn cpu, UpdateFn gpu, bool noise, int buffers) {
    return Case{name, buffers, noise ? 1e-4 : 1e-6, [=](std::vector<Buffer> &b, bool onGpu) {
                  (onGpu ? gpu : cpu)(&b[0], &b[1], &b[2], &b[3], 1.0f / 32, noise ? 0.05f : 0.0f,
                                      seed, noiseStep, tensorId, 0, step, 1e-3f, 0.9f, 0.999f,
                                      1e-8f, 0.01f, 0.9f);
                }};
  };
#define GPU(name) _mlir_ciface_gpu_##name
  std::vector<Case> cases = {
      update("update_adamw", _mlir_ciface_ftp_update_adamw, GPU(ftp_update_adamw), false, 4),
      update("update_adamw_noise", _mlir_ciface_ftp_update_adamw_noise,
             GPU(ftp_update_adamw_noise), true, 4),
      update("update_adam", _mlir_ciface_ftp_update_adam, GPU(ftp_update_adam), false, 4),
      update("update_adam_noise", _mlir_ciface_ftp_update_adam_noise, GPU(ftp_update_adam_noise),
             true, 4),
      update("update_sgd", _mlir_ciface_ftp_update_sgd, GPU(ftp_update_sgd), false, 3),
      update("update_sgd_noise", _mlir_ciface_ftp_update_sgd_noise, GPU(ftp_update_sgd_noise), true,
             3),
      {"clip_accumulate", 2, 1e-6,
       [](std::vector<Buffer> &b, bool onGpu) {
         (onGpu ? ClipFn(GPU(ftp_clip_accumulate)) : _mlir_ciface_ftp_clip_accumulate)(&b[0], &b[1], 0.37f);
       }},
      {"add_noise", 1, 1e-4,
       [&](std::vector<Buffer> &b, bool onGpu) {
         (onGpu ? NoiseFn(GPU(ftp_add_noise)) : _mlir_ciface_ftp_add_noise)(&b[0], 0.5f, seed, noiseStep,
                                                                           tensorId, 0);
       }},
      {"perturb_step", 2, 1e-6,
       [](std::vector<Buffer> &b, bool onGpu) {
         (onGpu ? PerturbFn(GPU(ftp_perturb_step)) : _mlir_ciface_ftp_perturb_step)(&b[0], &b[1], 0.01f, 0.03f);
       }},
  };

  // The CPU side alone: checks that the objects link and the CPU kernels run (no GPU here).
  const int64_t n = (1 << 20) + 37;
  std::vector<std::vector<float>> inputs;
  for (int k = 0; k < 4; ++k) // V (k = 3) must be non-negative: it is a second moment
    inputs.push_back(randomVector(n, 100 + k, k == 3 ? 0.0f : -1.0f, 1.0f));
  std::map<std::string, std::vector<std::vector<float>>> cpuResults;
  for (Case &c : cases) {
    std::vector<std::vector<float>> host(inputs.begin(), inputs.begin() + c.buffers);
    std::vector<Buffer> b;
    for (auto &h : host)
      b.push_back(view(h.data(), n));
    while (b.size() < 4)
      b.push_back(view(host[0].data(), 0));
    c.call(b, false);
    cpuResults[c.name] = host;
  }
  std::printf("gpu_runner: %zu CPU kernels ran on %lld elements\n", cases.size(), (long long)n);
  if (cpuOnly)
    return 0;
  if (!loadCuda()) {
    std::printf("gpu_runner: no usable CUDA device: %s\n", cuda.why.c_str());
    std::printf("{\"device\": null, \"why\": \"%s\"}\n", cuda.why.c_str());
    return 77;
  }
  CUdevice device;
  char deviceName[256] = "?";
  cuda.cuDeviceGet(&device, 0);
  cuda.cuDeviceGetName(deviceName, sizeof deviceName, device);
  std::printf("gpu_runner: device 0: %s\n", deviceName);

  // 1. correctness
  bool ok = true;
  std::string diffs;
  for (Case &c : cases) {
    std::vector<std::unique_ptr<DeviceBuffer>> onDevice;
    std::vector<Buffer> b;
    for (int k = 0; k < c.buffers; ++k) {
      onDevice.push_back(std::make_unique<DeviceBuffer>(n));
      onDevice.back()->upload(inputs[k]);
      b.push_back(view(onDevice.back()->data(), n));
    }
    while (b.size() < 4)
      b.push_back(view(onDevice[0]->data(), 0));
    c.call(b, true);
    double worst = 0;
    for (int k = 0; k < c.buffers; ++k)
      worst = std::max(worst, relativeDifference(cpuResults[c.name][k], onDevice[k]->download()));
    bool pass = worst <= c.tolerance;
    ok &= pass;
    std::printf("  %-20s max relative difference GPU vs CPU %.3g (tolerance %.0e) %s\n",
                c.name.c_str(), worst, c.tolerance, pass ? "ok" : "FAILED");
    char entry[128];
    std::snprintf(entry, sizeof entry, "%s\"%s\": %.6g", diffs.empty() ? "" : ", ", c.name.c_str(), worst);
    diffs += entry;
  }

  // 2. bandwidth: median of `repeats` timed calls after a warm-up (each call launches and syncs)
  using Clock = std::chrono::steady_clock;
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::string rows;
  double fusedLast = 0, copyLast = 0;
  std::printf("\n| parameters | fused clip+noise+AdamW ms | GB/s | copy probe GB/s | fused / copy | fused / 4.8 TB/s |\n|---|---|---|---|---|---|\n");
  for (int64_t size : sizes) {
    DeviceBuffer p(size), g(size), m(size), v(size), copy(4 * size), copyDst(4 * size);
    std::vector<float> zeros(size, 0.01f);
    for (DeviceBuffer *d : {&p, &g, &m, &v})
      d->upload(zeros);
    Buffer bp = view(p.data(), size), bg = view(g.data(), size), bm = view(m.data(), size),
           bv = view(v.data(), size);
    std::vector<double> fused, copies;
    for (int r = 0; r <= repeats; ++r) {
      auto start = Clock::now();
      _mlir_ciface_gpu_ftp_update_adamw_noise(&bp, &bg, &bm, &bv, 1.0f / 32, 0.05f, seed, r,
                                              tensorId, 0, step + r, 1e-3f, 0.9f, 0.999f, 1e-8f,
                                              0.01f, 0.9f);
      double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      start = Clock::now();
      check(cuda.cuMemcpyDtoD(copyDst.ptr, copy.ptr, 16 * size), "cuMemcpyDtoD");
      check(cuda.cuCtxSynchronize(), "cuCtxSynchronize");
      double copyMs = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      if (r > 0) { // the first is the warm-up (and the PTX JIT)
        fused.push_back(ms);
        copies.push_back(copyMs);
      }
    }
    double fusedMs = median(fused), copyMs = median(copies);
    fusedLast = 32.0 * size / (fusedMs * 1e6); // bytes / ms -> GB/s
    copyLast = 2.0 * 16 * size / (copyMs * 1e6); // read + write
    std::printf("| %lld | %.3f | %.0f | %.0f | %.2f | %.2f |\n", (long long)size, fusedMs, fusedLast,
                copyLast, fusedLast / copyLast, fusedLast / 4800.0);
    char row[160];
    std::snprintf(row, sizeof row, "%s{\"params\": %lld, \"fused_ms\": %.4f, \"fused_gbps\": %.1f, \"copy_gbps\": %.1f}",
                  rows.empty() ? "" : ", ", (long long)size, fusedMs, fusedLast, copyLast);
    rows += row;
  }
  std::printf("{\"device\": \"%s\", \"ok\": %s, \"max_relative_difference\": {%s}, \"sizes\": [%s], "
              "\"fused_gbps\": %.1f, \"copy_gbps\": %.1f, \"h200_peak_gbps\": 4800}\n",
              deviceName, ok ? "true" : "false", diffs.c_str(), rows.c_str(), fusedLast, copyLast);
  return ok ? 0 : 1;
}

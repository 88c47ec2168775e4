// wn-conv-bench: the convolutions of the paper's ConvPool-CNN-C (Salimans & Kingma 2016, table 4's
// CIFAR-10 net; issue 20) at width 0.25, one training step's worth each: forward, then backward
// (the input gradient dx and the kernel gradient dW), batch 32, threads splitting the batch as the
// trainer does. bench/conv_bench_torch.py times the same layers in PyTorch; scripts/bench.mjs --conv runs
// both and prints the ratios.
//   wn-conv-bench [--threads T] [--batch B] [--reps N] [--width W] [--cpu-time]
// --cpu-time times the process's CPU time instead of the wall clock: on a loaded machine it compares kernel
// variants far more steadily (one thread), though it is no throughput (and waits, e.g. for a slower thread,
// count as nothing).
// Each distinct layer shape is timed once and counted as often as the net has it, for the stack's total.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "kernels/simd.hpp"
#include "layers/conv2d.hpp"
#include "rng.hpp"
#include "train/thread_pool.hpp"

namespace {

using namespace wn;
using Clock = std::chrono::steady_clock;

struct ConvShape {
  const char* name;
  int size, cin, cout, k;
  Padding padding;
  int count;     // how many layers of the net have this shape
  bool dx;       // the first layer needs no input gradient
};

// ConvPool-CNN-C: 3 × conv(C1, 3×3 same), pool, 3 × conv(C2, 3×3 same), pool, conv(C2, 3×3 valid),
// 2 × conv(C2, 1×1); C1 = 96·w, C2 = 192·w.
std::vector<ConvShape> convpool_c(double width) {
  const int c1 = int(96 * width + 0.5), c2 = int(192 * width + 0.5);
  return {{"conv1", 32, 3, c1, 3, Padding::same, 1, false}, {"conv2-3", 32, c1, c1, 3, Padding::same, 2, true},
          {"conv4", 16, c1, c2, 3, Padding::same, 1, true},  {"conv5-6", 16, c2, c2, 3, Padding::same, 2, true},
          {"conv7", 8, c2, c2, 3, Padding::valid, 1, true},  {"conv8-9", 6, c2, c2, 1, Padding::valid, 2, true}};
}

bool cpu_time = false;
double now_ms() {
  if (cpu_time) {
    timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
  }
  return std::chrono::duration<double, std::milli>(Clock::now().time_since_epoch()).count();
}

struct Timing {
  double fwd_ms, bwd_ms, dw_ms;  // dw_ms: backward without dx, so dx's share is bwd_ms − dw_ms
};

// The best of `reps` timed runs (after 3 untimed), forward and backward timed apart.
Timing time_layer(const ConvShape& s, int batch, ThreadPool& pool, int reps) {
  const Conv2D conv({s.size, s.size, s.cin}, {s.cout, s.k, s.k, 1, s.padding, Activation::relu});
  const int T = pool.size();
  Rng rng(5);
  std::vector<float> params(conv.param_count());
  conv.init_params(params.data(), rng);
  const std::size_t in = conv.input_shape().size(), out = conv.output_shape().size();
  std::vector<float> x(in * batch), dy(out * batch), y(out * batch), dx(in * batch);
  for (float& v : x) v = rng.uniform(-1, 1);
  for (float& v : dy) v = rng.uniform(-1, 1);
  const int slice = (batch + T - 1) / T;
  std::vector<std::vector<float>> scratch(T, std::vector<float>(conv.scratch_floats(slice)));
  std::vector<std::vector<float>> grads(T, std::vector<float>(conv.param_count()));
  std::vector<float> grad(conv.param_count());
  auto range = [&](int t) { return std::pair<int, int>(int(long(batch) * t / T), int(long(batch) * (t + 1) / T)); };
  auto forward = [&] {
    pool.run([&](int t) {
      const auto [a, b] = range(t);
      if (a < b) conv.forward(params.data(), x.data() + a * in, y.data() + a * out, b - a, scratch[t].data());
    });
  };
  auto backward = [&](bool with_dx) {
    pool.run([&](int t) {
      const auto [a, b] = range(t);
      std::fill(grads[t].begin(), grads[t].end(), 0.0f);
      if (a < b)
        conv.backward(params.data(), x.data() + a * in, y.data() + a * out, dy.data() + a * out,
                      with_dx ? dx.data() + a * in : nullptr, grads[t].data(), b - a, scratch[t].data());
    });
    std::fill(grad.begin(), grad.end(), 0.0f);  // summed in thread order, as the trainer does
    for (int t = 0; t < T; ++t)
      for (std::size_t i = 0; i < grad.size(); ++i) grad[i] += grads[t][i];
  };
  for (int i = 0; i < 3; ++i) forward(), backward(s.dx);
  Timing best{1e30, 1e30, 1e30};
  for (int r = 0; r < reps; ++r) {
    const double t0 = now_ms();
    forward();
    const double t1 = now_ms();
    backward(s.dx);
    const double t2 = now_ms();
    backward(false);
    const double t3 = now_ms();
    best.fwd_ms = std::min(best.fwd_ms, t1 - t0);
    best.bwd_ms = std::min(best.bwd_ms, t2 - t1);
    best.dw_ms = std::min(best.dw_ms, t3 - t2);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2, batch = 32, reps = 10;
  double width = 0.25;
  for (int i = 1; i < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--cpu-time") {
      cpu_time = true, --i;
      continue;
    }
    if (i + 1 == argc) {
      std::fprintf(stderr, "wn-conv-bench: %s needs a value\n", a.c_str());
      return 2;
    }
    if (a == "--threads") threads = std::atoi(argv[i + 1]);
    else if (a == "--batch") batch = std::atoi(argv[i + 1]);
    else if (a == "--reps") reps = std::atoi(argv[i + 1]);
    else if (a == "--width") width = std::atof(argv[i + 1]);
    else {
      std::fprintf(stderr, "wn-conv-bench: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  threads = std::max(1, std::min(threads, ThreadPool::max_threads()));
  ThreadPool pool(threads);
  std::printf("wn-conv-bench: SIMD %s, %d lanes, %d thread(s), batch %d, ConvPool-CNN-C width %g, best of %d%s\n",
              simd::name(), simd::kLanes, threads, batch, width, reps, cpu_time ? ", CPU time" : "");
  std::printf("  %-8s %-22s %9s %9s %9s %12s %8s\n", "layer", "shape", "fwd ms", "bwd ms", "(dW ms)", "samples/s",
              "GFLOP/s");
  double total_ms = 0, total_flop = 0;
  for (const ConvShape& s : convpool_c(width)) {
    const Timing t = time_layer(s, batch, pool, reps);
    const int o = s.padding == Padding::same ? s.size : s.size - s.k + 1;
    const double macs = double(o) * o * s.cout * s.k * s.k * s.cin * batch;
    const double flop = 2 * macs * (s.dx ? 3 : 2), ms = t.fwd_ms + t.bwd_ms;
    char shape[64];
    std::snprintf(shape, sizeof shape, "%dx%dx%d->%d k%d %s", s.size, s.size, s.cin, s.cout, s.k,
                  s.padding == Padding::same ? "same" : "valid");
    std::printf("  %-8s %-22s %9.3f %9.3f %9.3f %12.0f %8.1f\n", s.name, shape, t.fwd_ms, t.bwd_ms, t.dw_ms,
                batch * 1000 / ms, flop / ms / 1e6);
    total_ms += s.count * ms, total_flop += s.count * flop;
  }
  std::printf("  %-8s %-22s %9s %9s %9s %12.0f %8.1f\n", "stack", "all 9 convolutions", "", "", "", batch * 1000 / total_ms,
              total_flop / total_ms / 1e6);
  return 0;
}

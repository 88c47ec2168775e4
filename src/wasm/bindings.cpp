// The one file that knows about Emscripten: a C ABI of handles, typed buffers and
// status codes for web/trainer.worker.js and web/data.worker.js. Nothing here
// throws or aborts on bad input; failures return WN_ERROR and wn_last_error()
// says why.
#include <emscripten/emscripten.h>
#include <emscripten/heap.h>
#include <malloc.h>

#include <cmath>
#include <memory>
#include <new>
#include <string>

#include "data/cifar.hpp"
#include "kernels/simd.hpp"
#include "optim/optimizer.hpp"
#include "train/trainer.hpp"

namespace {

using namespace wn;

enum StatusCode : int { WN_OK = 0, WN_ERROR = -1, WN_DIVERGED = 1 };

std::string g_error;

int fail(const std::string& message) {
  g_error = message;
  return WN_ERROR;
}

constexpr double kMaxBatch = 1024;

// Allocation failure inside C++ would abort the module (no exceptions), so requests are
// checked against what the heap can still grow to before anything is allocated.
int check_fits(std::size_t bytes, const char* what) {
  constexpr std::size_t kReserve = 32u << 20;  // stack, static data, fragmentation
  const std::size_t used = std::size_t(mallinfo().uordblks), limit = emscripten_get_heap_max();
  if (used + bytes + kReserve <= limit) return WN_OK;
  return fail(std::string(what) + " needs " + std::to_string(bytes >> 20) + " MB but only " +
              std::to_string((limit - std::min(limit, used + kReserve)) >> 20) + " MB of the module's " +
              std::to_string(limit >> 20) + " MB are free; choose fewer images or a smaller batch");
}

struct TrainerHandle {
  std::unique_ptr<Model> model;
  std::unique_ptr<Optimizer> optimizer;
  std::unique_ptr<Trainer> trainer;
  std::vector<std::uint8_t> images, labels;  // staging for one batch, filled by JavaScript
  double result[3] = {0, 0, 0};               // loss_sum, correct, count of the last batch
};

struct LoaderHandle {
  explicit LoaderHandle(CifarLimits l) : loader(l), tar(loader) {}
  CifarLoader loader;
  TarReader tar;
  CifarData data;
};

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE const char* wn_last_error() { return g_error.c_str(); }
EMSCRIPTEN_KEEPALIVE const char* wn_simd() { return simd::name(); }

// ---- CIFAR-10 parsing: tar bytes (already gunzipped by the page) or loose .bin files.

EMSCRIPTEN_KEEPALIVE LoaderHandle* wn_loader_create(int max_train, int max_test) {
  if (max_train < 0 || max_test < 0) return fail("sizes must not be negative"), nullptr;
  const CifarLimits limits{max_train, max_test};
  if (check_fits(cifar_memory_bytes(limits), "loading this many images") != WN_OK) return nullptr;
  return new (std::nothrow) LoaderHandle(limits);
}

EMSCRIPTEN_KEEPALIVE int wn_loader_push_tar(LoaderHandle* h, const std::uint8_t* bytes, int len) {
  Status s = h->tar.push(bytes, std::size_t(len));
  return s ? WN_OK : fail(s.message());
}

// One whole .bin file, named so the loader knows which batch it is.
EMSCRIPTEN_KEEPALIVE int wn_loader_push_file(LoaderHandle* h, const char* name, const std::uint8_t* bytes, int len) {
  if (CifarLoader::part_of(name) < 0)
    return fail(std::string(name) + ": not a CIFAR-10 batch file (data_batch_1.bin ... data_batch_5.bin, test_batch.bin)");
  Status s = h->loader.begin(name, std::uint64_t(len));
  if (s) s = h->loader.data(bytes, std::size_t(len));
  if (s) s = h->loader.end();
  return s ? WN_OK : fail(s.message());
}

EMSCRIPTEN_KEEPALIVE int wn_loader_finish(LoaderHandle* h, int was_tar) {
  if (was_tar) {
    Status s = h->tar.finish();
    if (!s) return fail(s.message());
  }
  auto r = h->loader.finish("the chosen file");
  if (!r) return fail(r.message());
  h->data = std::move(r.value());
  return WN_OK;
}

// which: 0 = training set, 1 = test set.
EMSCRIPTEN_KEEPALIVE int wn_loader_count(LoaderHandle* h, int which) {
  return which ? h->data.test.size() : h->data.train.size();
}
EMSCRIPTEN_KEEPALIVE const std::uint8_t* wn_loader_images(LoaderHandle* h, int which) {
  return (which ? h->data.test : h->data.train).images.data();
}
EMSCRIPTEN_KEEPALIVE const std::uint8_t* wn_loader_labels(LoaderHandle* h, int which) {
  return (which ? h->data.test : h->data.train).labels.data();
}
EMSCRIPTEN_KEEPALIVE void wn_loader_destroy(LoaderHandle* h) { delete h; }

// ---- Training.

// preset: 0 regular, 1 weightnorm. wn_init: 0 tfa, 1 paper, 2 none. optimizer: 0 adam, 1 sgd.
EMSCRIPTEN_KEEPALIVE TrainerHandle* wn_trainer_create(int preset_id, int wn_init, double seed, int threads,
                                                     int batch_size, int optimizer, double lr, double momentum) {
  if (preset_id < 0 || preset_id > 1) return fail("unknown model"), nullptr;
  if (wn_init < 0 || wn_init > 2) return fail("unknown weight-norm init"), nullptr;
  if (batch_size < 1 || batch_size > kMaxBatch) return fail("batch size must be between 1 and 1024"), nullptr;
  if (!(lr > 0) || !std::isfinite(lr)) return fail("the learning rate must be a positive number"), nullptr;
  if (!(seed >= 0) || seed > 4294967295.0) return fail("the seed must be between 0 and 4294967295"), nullptr;
  auto h = std::make_unique<TrainerHandle>();
  auto model = Model::build(preset(Preset(preset_id), WnInit(wn_init)), std::uint64_t(seed));
  if (!model) return fail(model.message()), nullptr;
  h->model = std::move(model.value());
  const TrainerOptions options{batch_size, std::max(threads, 1), std::uint64_t(seed)};
  if (check_fits(Trainer::memory_bytes(*h->model, options), "training with this batch size") != WN_OK) return nullptr;
  h->optimizer = optimizer == 1 ? make_sgd({float(lr), float(momentum)}) : make_adam({float(lr)});
  h->trainer = std::make_unique<Trainer>(*h->model, *h->optimizer, options);
  h->images.resize(std::size_t(batch_size) * Dataset::kImageBytes);
  h->labels.resize(std::size_t(batch_size));
  return h.release();
}

EMSCRIPTEN_KEEPALIVE std::uint8_t* wn_trainer_images(TrainerHandle* h) { return h->images.data(); }
EMSCRIPTEN_KEEPALIVE std::uint8_t* wn_trainer_labels(TrainerHandle* h) { return h->labels.data(); }
EMSCRIPTEN_KEEPALIVE const double* wn_trainer_result(TrainerHandle* h) { return h->result; }
EMSCRIPTEN_KEEPALIVE int wn_trainer_threads(TrainerHandle* h) { return h->trainer->threads(); }

EMSCRIPTEN_KEEPALIVE const std::uint32_t* wn_trainer_shuffle(TrainerHandle* h, int n) {
  return h->trainer->shuffle(std::max(n, 0)).data();
}

// Trains (train = 1) or evaluates on the n samples in the staging buffers. WN_DIVERGED:
// the run has diverged (divergence() in train/trainer.hpp), wn_last_error() says how.
EMSCRIPTEN_KEEPALIVE int wn_trainer_step(TrainerHandle* h, int n, int train) {
  if (n < 1 || n > h->trainer->batch_size()) return fail("batch of " + std::to_string(n) + " samples is out of range");
  for (int i = 0; i < n; ++i)
    if (h->labels[i] >= Dataset::kClasses) return fail("label out of range");
  const BatchResult b = train ? h->trainer->train_batch(h->images.data(), h->labels.data(), n)
                              : h->trainer->eval_batch(h->images.data(), h->labels.data(), n);
  h->result[0] = b.loss_sum;
  h->result[1] = b.correct;
  h->result[2] = b.count;
  if (!train) return WN_OK;
  const std::string why = divergence(b, h->model->classes());
  if (why.empty()) return WN_OK;
  g_error = why;  // the worker adds the epoch and step
  return WN_DIVERGED;
}

EMSCRIPTEN_KEEPALIVE void wn_trainer_destroy(TrainerHandle* h) { delete h; }

}  // extern "C"

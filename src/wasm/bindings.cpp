// The one file that knows about Emscripten: a C ABI of handles, JSON strings and status codes
// for web/trainer.worker.js and web/data.worker.js. Nothing here throws or aborts on bad input;
// failures return null or WN_ERROR and wn_last_error() says why.
//
// A run is the same FitLoop wn-train drives (src/train/fit_loop.hpp), configured by JSON that the
// settings table checks (settings::parse_run_json, the same parsers as wn-train's flags). Its
// images stay in the worker's shared buffers: the loop asks for the samples of
// each batch through wn_js_gather, which copies just those into this module's memory.
#include <emscripten/emscripten.h>
#include <emscripten/heap.h>
#include <malloc.h>

#include <memory>
#include <new>
#include <string>

#include "architecture.hpp"
#include "config/catalog.hpp"
#include "config/settings.hpp"
#include "data/cifar.hpp"
#include "experiments.hpp"
#include "io/weights.hpp"
#include "json.hpp"
#include "predict.hpp"
#include "limits.hpp"
#include "train/history.hpp"

namespace {

using namespace wn;

enum StatusCode : int { WN_OK = 0, WN_ERROR = -1 };

std::string g_error;

int fail(const std::string& message) {
  g_error = message;
  return WN_ERROR;
}

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

enum class Split : int { train = 0, test = 1 };

}  // namespace

// Copies samples index[0..n) of the worker's dataset `split` into images and labels (this
// module's memory). Defined by trainer.worker.js as Module.wnGather.
EM_JS(void, wn_js_gather, (int split, const std::uint32_t* index, int n, std::uint8_t* images, std::uint8_t* labels), {
  Module.wnGather(split, index, n, images, labels);
});

namespace {

// One split of the dataset the worker holds.
class WorkerImages final : public ImageSource {
 public:
  WorkerImages(Split split, int count) : split_(split), count_(count) {}
  int size() const override { return count_; }
  void gather(const std::uint32_t* index, int n, std::uint8_t* images, std::uint8_t* labels) const override {
    wn_js_gather(int(split_), index, n, images, labels);
  }

 private:
  Split split_;
  int count_;
};

struct RunHandle {
  RunHandle(int train_count, int test_count) : train(Split::train, train_count), test(Split::test, test_count) {}
  WorkerImages train, test;
  std::unique_ptr<Run> run;
  std::string event;            // the last event's JSON, valid until the next call
  std::vector<float> snapshot;  // the last wn_run_params
};

// A model on its own, for the page's main thread: predictions on the user's images, and
// weights out (named .npy arrays the page zips) and in.
struct ModelHandle {
  std::unique_ptr<Model> model;
  std::vector<NamedArray> incoming;      // arrays of a weight file being loaded
  std::string manifest, blob;            // the last export
  std::string evaluation;                // the last wn_model_evaluate
  std::vector<float> snapshot;           // the last wn_model_params
};

struct LoaderHandle {
  explicit LoaderHandle(CifarLimits l) : loader(l) {}
  CifarLoader loader;                     // every source of one load feeds it
  std::unique_ptr<CifarArchive> archive;  // the tar being read, already gunzipped by the page
  GzipFraming gzip;                       // what follows each member DecompressionStream ends
  CifarData data;
};

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE const char* wn_last_error() { return g_error.c_str(); }

EMSCRIPTEN_KEEPALIVE const char* wn_catalog() {
  static const std::string text = catalog_json(WN_VERSION);
  return text.c_str();
}

// ---- CIFAR-10 parsing (web/data.worker.js). One load may read several sources: loose .bin
// files (begin_file, push_file…, end_file: only the records wanted() are fetched) and archives
// (begin_archive, push_archive… until done(), end_archive), then finish. Gzip is inflated by the
// page, which hands what follows each member to gzip_after so that several members, zero
// padding and junk are judged as natively (GzipFraming).

EMSCRIPTEN_KEEPALIVE LoaderHandle* wn_loader_create(int max_train, int max_test) {
  if (max_train < 0 || max_test < 0) return fail("sizes must not be negative"), nullptr;
  const CifarLimits limits{max_train, max_test};
  if (check_fits(cifar_memory_bytes(limits), "loading this many images") != WN_OK) return nullptr;
  return new (std::nothrow) LoaderHandle(limits);
}

// How many records of the batch file `name` are still wanted: what to read of it (0: skip it;
// −1: not a batch file name, which begin_file reports).
EMSCRIPTEN_KEEPALIVE int wn_loader_wanted(LoaderHandle* h, const char* name) {
  return CifarLoader::part_of(name) < 0 ? -1 : h->loader.wanted(name);
}

// size: the whole file's bytes, or −1 when the server did not say.
EMSCRIPTEN_KEEPALIVE int wn_loader_begin_file(LoaderHandle* h, const char* name, double size) {
  if (CifarLoader::part_of(name) < 0)
    return fail(std::string(name) + ": not a CIFAR-10 batch file (data_batch_1.bin ... data_batch_5.bin, test_batch.bin)");
  Status s = h->loader.begin(name, size < 0 ? kUnknownSize : std::uint64_t(size));
  return s ? WN_OK : fail(s.message());
}
EMSCRIPTEN_KEEPALIVE int wn_loader_push_file(LoaderHandle* h, const std::uint8_t* bytes, int len) {
  Status s = h->loader.data(bytes, std::size_t(len));
  return s ? WN_OK : fail(s.message());
}
EMSCRIPTEN_KEEPALIVE int wn_loader_end_file(LoaderHandle* h) {
  Status s = h->loader.end();
  return s ? WN_OK : fail(s.message());
}

// WN_ERROR if an archive of `size` bytes (its file, or what has been read of it) is larger
// than any CIFAR-10 archive: checked before reading, and as compressed bytes come in.
EMSCRIPTEN_KEEPALIVE int wn_loader_check_size(double size) {
  Status s = CifarArchive::check_size(size < 0 ? 0 : std::uint64_t(size));
  return s ? WN_OK : fail(s.message());
}
// size: the archive file's bytes, or −1 when not known.
EMSCRIPTEN_KEEPALIVE int wn_loader_begin_archive(LoaderHandle* h, double size) {
  if (wn_loader_check_size(size) != WN_OK) return WN_ERROR;
  h->archive = std::make_unique<CifarArchive>(h->loader);
  h->gzip = GzipFraming();
  return WN_OK;
}
EMSCRIPTEN_KEEPALIVE int wn_loader_push_archive(LoaderHandle* h, const std::uint8_t* bytes, int len) {
  Status s = h->archive ? h->archive->push(bytes, std::size_t(len)) : Error{"no archive begun"};
  return s ? WN_OK : fail(s.message());
}
// 1 once the archive being read holds every image asked for (or its tar has ended): stop reading.
EMSCRIPTEN_KEEPALIVE int wn_loader_done(LoaderHandle* h) { return h->archive ? h->archive->done() : h->loader.complete(); }
EMSCRIPTEN_KEEPALIVE int wn_loader_end_archive(LoaderHandle* h) {
  Status s = h->archive ? h->archive->end() : Status();
  h->archive.reset();
  return s ? WN_OK : fail(s.message());
}

// A gzip member ended just before compressed offset `at`.
EMSCRIPTEN_KEEPALIVE void wn_loader_gzip_end(LoaderHandle* h, double at) { h->gzip.member_end(std::uint64_t(at)); }
// The bytes after it: WN_ERROR (junk, too many members), 0 (keep going), or 1 when a new member
// starts, at wn_loader_gzip_member_start().
EMSCRIPTEN_KEEPALIVE int wn_loader_gzip_after(LoaderHandle* h, const std::uint8_t* bytes, int len) {
  auto taken = h->gzip.after(bytes, std::size_t(len));
  if (!taken) return fail(taken.message());
  return h->gzip.in_member() ? 1 : 0;
}
EMSCRIPTEN_KEEPALIVE double wn_loader_gzip_member_start(LoaderHandle* h) { return double(h->gzip.member_start()); }
// The compressed input has ended (inside a member: truncated).
EMSCRIPTEN_KEEPALIVE int wn_loader_gzip_finish(LoaderHandle* h) {
  Status s = h->gzip.finish();
  return s ? WN_OK : fail(s.message());
}

// source: how messages name what was loaded.
EMSCRIPTEN_KEEPALIVE int wn_loader_finish(LoaderHandle* h, const char* source) {
  auto r = h->loader.finish(source);
  if (!r) return fail(r.message());
  h->data = std::move(r.value());
  return WN_OK;
}

// split: 0 = training set, 1 = test set.
EMSCRIPTEN_KEEPALIVE int wn_loader_count(LoaderHandle* h, int split) {
  return split ? h->data.test.size() : h->data.train.size();
}
EMSCRIPTEN_KEEPALIVE const std::uint8_t* wn_loader_images(LoaderHandle* h, int split) {
  return (split ? h->data.test : h->data.train).images.data();
}
EMSCRIPTEN_KEEPALIVE const std::uint8_t* wn_loader_labels(LoaderHandle* h, int split) {
  return (split ? h->data.test : h->data.train).labels.data();
}
EMSCRIPTEN_KEEPALIVE void wn_loader_destroy(LoaderHandle* h) { delete h; }

// ---- Training runs.

// config: the run's settings as JSON ({"model": "weightnorm", "seed": 3, "learning_rate": 0.01, …},
// web/protocol.js runConfig), checked by the settings table; the dataset is the worker's,
// train_count + test_count images.
// params (count floats, or null): start from these parameters, e.g. weights the user loaded.
EMSCRIPTEN_KEEPALIVE RunHandle* wn_run_create(const char* json, int train_count, int test_count, const float* params, int count) {
  auto config = settings::parse_run_json(json);
  if (!config) return fail(config.message()), nullptr;
  config->diagnostics = true;  // the page's dynamics panel plots them
  if (params) config->initial_weights = std::make_shared<const std::vector<float>>(params, params + std::max(count, 0));
  if (train_count < 1 || train_count > limits::kMaxTrain || test_count < 1 || test_count > limits::kMaxTest)
    return fail("a run needs 1-50000 training and 1-10000 test images"), nullptr;
  const std::size_t staging = std::size_t(config->batch_size) * (Dataset::kImageBytes * (1 + sizeof(float)) + 64);
  if (check_fits(Run::memory_bytes(config.value()) + staging, "training with this batch size") != WN_OK) return nullptr;
  auto h = std::make_unique<RunHandle>(train_count, test_count);
  auto run = Run::create(config.value(), h->train, h->test);
  if (!run) return fail(run.message()), nullptr;
  h->run = std::move(run.value());
  return h.release();
}

EMSCRIPTEN_KEEPALIVE int wn_run_threads(RunHandle* h) { return h->run->trainer().threads(); }

// run_warnings() of the run, a JSON array of sentences.
EMSCRIPTEN_KEEPALIVE const char* wn_run_warnings(RunHandle* h) {
  h->event = json::Writer().array(run_warnings(h->run->config(), h->train.size())).str();
  return h->event.c_str();
}

// Works through at most max_batches batches; the event that came up as JSON (event_json in
// src/train/history.hpp), or null if none did.
EMSCRIPTEN_KEEPALIVE const char* wn_run_advance(RunHandle* h, int max_batches) {
  const FitEvent e = h->run->loop().advance(std::max(max_batches, 1));
  if (e.kind == FitEvent::Kind::none) return nullptr;
  h->event = event_json(e, *h->run);
  return h->event.c_str();
}

// The run record so far (one entry of the history's runs[]).
EMSCRIPTEN_KEEPALIVE const char* wn_run_record(RunHandle* h) {
  h->event = run_json(h->run->config(), h->run->history());
  return h->event.c_str();
}

// The run's weights now, a snapshot (parameters, then state; wn_model_set_params takes it back),
// valid until the next call.
EMSCRIPTEN_KEEPALIVE const float* wn_run_params(RunHandle* h) {
  h->snapshot = snapshot(h->run->model());
  return h->snapshot.data();
}
EMSCRIPTEN_KEEPALIVE int wn_run_param_count(RunHandle* h) { return int(h->snapshot.size()); }

EMSCRIPTEN_KEEPALIVE void wn_run_destroy(RunHandle* h) { delete h; }

// Whether the settings table takes text for one setting (key): WN_OK, or WN_ERROR and the reason
// in wn_last_error. The page checks free-text settings (an architecture) with it (web/params.js).
EMSCRIPTEN_KEEPALIVE int wn_setting_check(const char* key, const char* text) {
  Status s = settings::check_setting(key, text);
  return s ? WN_OK : fail(s.message());
}

// What the model a run configuration describes costs, before anything trains: the form shows it
// (web/controls.js). config: run JSON ({"arch": "convpool-c", "width": 0.25, "model": "batchnorm"});
// {"params", "state", "train_flops"} per image, or null and the reason in wn_last_error.
EMSCRIPTEN_KEEPALIVE const char* wn_model_cost(const char* json) {
  static std::string text;
  auto config = settings::parse_run_json(json);
  if (!config) return fail(config.message()), nullptr;
  auto cost = architecture_cost(config->arch, config->width, config->model);
  if (!cost) return fail(cost.message()), nullptr;
  json::Writer w;
  w.begin_object().key("params").value(std::uint64_t(cost->params)).key("state").value(std::uint64_t(cost->state));
  text = w.key("train_flops").value(cost->train_flops).end().str();
  return text.c_str();
}

// ---- Models on their own: predictions, weight files.

// config: JSON of the model's settings, {"model": "weightnorm", "wn_init": "tfa", "seed": 0}, checked
// as a run's are; nothing about training is needed.
EMSCRIPTEN_KEEPALIVE ModelHandle* wn_model_create(const char* json) {
  auto config = settings::parse_run_json(json);
  if (!config) return fail(config.message()), nullptr;
  auto h = std::make_unique<ModelHandle>();
  auto model = build_run_model(config.value(), config->wn_init);
  if (!model) return fail(model.message()), nullptr;
  h->model = std::move(model.value());
  return h.release();
}

// Weights as a snapshot: parameters, then state (io/weights.hpp).
EMSCRIPTEN_KEEPALIVE int wn_model_set_params(ModelHandle* h, const float* values, int count) {
  Status s = restore(*h->model, values, std::size_t(std::max(count, 0)));
  return s ? WN_OK : fail(s.message());
}
EMSCRIPTEN_KEEPALIVE const float* wn_model_params(ModelHandle* h) {
  h->snapshot = snapshot(*h->model);
  return h->snapshot.data();
}
EMSCRIPTEN_KEEPALIVE int wn_model_param_count(ModelHandle* h) { return int(h->snapshot.size()); }

// probs (n × classes) for n images of 32×32×3 bytes, NHWC, n ≤ 32.
EMSCRIPTEN_KEEPALIVE int wn_model_predict(ModelHandle* h, const std::uint8_t* images, int n, float* probs) {
  if (n < 1 || n > kInspectSamples) return fail("predict takes 1 to " + std::to_string(kInspectSamples) + " images");
  predict(*h->model, images, n, probs);
  return WN_OK;
}

// The model on the first test_count images of the worker's test set (web/trainer.worker.js):
// evaluation_json, the fields of an epoch event, valid until the next call. One thread, no
// optimiser: weights loaded from a file are judged as the trainer's validation would.
EMSCRIPTEN_KEEPALIVE const char* wn_model_evaluate(ModelHandle* h, int test_count) {
  if (test_count < 1 || test_count > limits::kMaxTest) return fail("an evaluation needs 1-10000 test images"), nullptr;
  constexpr int kBatch = 32;  // the forward's activations stay small on wide nets
  h->evaluation = evaluation_json(evaluate(*h->model, WorkerImages(Split::test, test_count), 0, kBatch), *h->model);
  return h->evaluation.c_str();
}

// The weights as .npy files: a JSON manifest [{name, offset, size}] of the blob wn_model_blob returns.
EMSCRIPTEN_KEEPALIVE const char* wn_model_export(ModelHandle* h) {
  json::Writer w;
  w.begin_array();
  h->blob.clear();
  for (const NamedArray& a : export_weights(*h->model)) {
    const std::string npy = npy_encode(a.array.data.data(), a.array.shape);
    w.begin_object().key("name").value(a.name).key("offset").value(std::uint64_t(h->blob.size()));
    w.key("size").value(std::uint64_t(npy.size())).end();
    h->blob += npy;
  }
  h->manifest = w.end().str();
  return h->manifest.c_str();
}
EMSCRIPTEN_KEEPALIVE const char* wn_model_blob(ModelHandle* h) { return h->blob.data(); }

// A weight file's arrays one by one (name, .npy bytes), then wn_model_import applies them all or none.
EMSCRIPTEN_KEEPALIVE int wn_model_add_array(ModelHandle* h, const char* name, const std::uint8_t* npy, int len) {
  if (h->incoming.size() >= 256) return fail("a weight file holds at most 256 arrays");
  auto a = npy_decode(npy, std::size_t(std::max(len, 0)));
  if (!a) return fail(std::string(name) + ": " + a.message());
  h->incoming.push_back({name, std::move(a.value())});
  return WN_OK;
}
EMSCRIPTEN_KEEPALIVE int wn_model_import(ModelHandle* h) {
  Status s = import_weights(*h->model, h->incoming);
  h->incoming.clear();
  return s ? WN_OK : fail(s.message());
}

EMSCRIPTEN_KEEPALIVE void wn_model_destroy(ModelHandle* h) { delete h; }

}  // extern "C"

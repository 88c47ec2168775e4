#include "catalog.hpp"

#include "../data/cifar.hpp"
#include "../json.hpp"
#include "../kernels/simd.hpp"
#include "settings.hpp"

namespace wn {

namespace {
const char* type_name(settings::Type t) {
  switch (t) {
    case settings::Type::integer: return "integer";
    case settings::Type::number: return "number";
    case settings::Type::choice: return "choice";
    case settings::Type::text: return "text";
    case settings::Type::sweeps: return "sweeps";
    case settings::Type::toggle: return "toggle";
  }
  return "text";
}

void write_setting(json::Writer& w, const settings::Setting& s) {
  using namespace settings;
  w.begin_object().key("key").value(s.key).key("type").value(type_name(s.type)).key("list").value(s.list);
  if (s.type == Type::integer || s.type == Type::number) {
    w.key("lo").value(s.lo).key("hi").value(s.hi).key("below_hi").value(s.below_hi);
  }
  if (s.most) w.key("most").value(s.most);
  if (s.choices) w.key("choices").array(s.choices());
  w.key("default");
  s.fallback ? w.value(s.fallback) : w.null();
  w.key("help").value(s.help);
  w.key("flag");
  s.flag ? w.value(s.flag) : w.null();
  w.key("param");
  s.param ? w.value(s.param) : w.null();
  w.key("field");
  s.field ? w.value(s.field) : w.null();
  if (s.param) w.key("param_list").value(s.param_list);
  if (s.param_lo) w.key("param_lo").value(*s.param_lo);
  w.key("run_json").value((s.faces & kRunJson) != 0);
  w.end();
}
}  // namespace

std::string catalog_json(const std::string& version) {
  const RunConfig d;
  json::Writer w;
  w.begin_object().key("version").value(version).key("simd").value(simd::name());
  w.key("settings").begin_array();
  for (const settings::Setting& s : settings::table()) write_setting(w, s);
  w.end();
  w.key("limits").begin_object();
  w.key("max_train").value(limits::kMaxTrain).key("max_test").value(limits::kMaxTest);
  w.key("max_batch").value(limits::kMaxBatch).key("max_threads").value(limits::kMaxThreads);
  w.key("max_epochs").value(limits::kMaxEpochs).key("max_seeds").value(limits::kMaxSeeds);
  w.key("max_seed").value(limits::kMaxSeed);
  w.key("min_lr").value(limits::kMinLearningRate).key("max_lr").value(limits::kMaxLearningRate);
  w.key("max_lrs").value(limits::kMaxLearningRates).key("max_batches").value(limits::kMaxBatchSizes);
  w.end();
  w.key("models").begin_array();
  for (ModelKind p : kModelKinds) w.value(model_kind_name(p));
  w.end().key("weight_norm_models").begin_array();
  for (ModelKind p : kModelKinds)
    if (uses_weight_norm(p)) w.value(model_kind_name(p));
  w.end().key("wn_inits").begin_array();
  for (WnInit i : kWnInits) w.value(wn_init_name(i));
  w.end().key("optimizers").array(settings::find_key("optimizer")->choices());
  w.key("defaults").begin_object();
  w.key("arch").value(d.arch).key("width").value(d.width);
  w.key("epochs").value(d.epochs).key("batch_size").value(d.batch_size).key("lr").value(d.learning_rate);
  w.key("optimizer").value(optimizer_name(d.optimizer)).key("momentum").value(d.momentum);
  w.key("wn_init").value(wn_init_name(d.wn_init)).key("seed").value(d.seed).key("progress_every").value(d.progress_every);
  w.end();
  w.key("image_bytes").value(Dataset::kImageBytes).key("classes").value(Dataset::kClasses);
  w.key("record_bytes").value(kCifarRecordBytes).key("images_per_batch_file").value(kCifarImagesPerFile);
  w.key("class_names").array(std::vector<std::string>(kCifarClassNames, kCifarClassNames + Dataset::kClasses));
  w.key("experiments").begin_array();
  for (const Experiment& e : experiments()) {
    w.begin_object().key("name").value(e.name).key("title").value(e.title).key("text").value(e.text);
    w.key("models").begin_array();
    for (ModelKind p : e.models) w.value(model_kind_name(p));
    w.end().key("wn_inits").begin_array();
    for (WnInit i : e.wn_inits) w.value(wn_init_name(i));
    w.end().key("sweeps").begin_array();
    for (const Sweep& s : e.sweeps) {
      w.begin_object().key("optimizer").value(optimizer_name(s.optimizer)).key("momentum").value(s.momentum);
      w.key("lrs").array(s.learning_rates).end();
    }
    w.end().key("seeds").value(e.seeds).key("epochs").value(e.epochs).key("train").value(e.train_samples);
    w.key("test").value(e.test_samples).key("batch").array(e.batch_sizes);
    if (e.init_samples) w.key("init_samples").value(*e.init_samples);
    w.key("arch").value(e.arch).key("width").value(e.width).end();
  }
  w.end();
  return w.end().str();
}

}  // namespace wn

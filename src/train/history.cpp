#include "history.hpp"

#include <cmath>

#include "../io/weights.hpp"
#include "../json.hpp"

namespace wn {

std::vector<double> per_class_accuracy(const ConfusionMatrix& m) {
  std::vector<double> out;
  for (std::size_t c = 0; c < m.size(); ++c) {
    long seen = 0;
    for (long v : m[c]) seen += v;
    out.push_back(seen ? double(m[c][c]) / double(seen) : 0.0);
  }
  return out;
}

namespace {
void confusion_fields(json::Writer& w, const ConfusionMatrix& m) {
  w.key("confusion_matrix").begin_array();
  for (const auto& row : m) w.array(std::vector<long>(row.begin(), row.end()));
  w.end().key("per_class_accuracy").array(per_class_accuracy(m));
}
}  // namespace

std::string epoch_json(const EpochLog& e) {
  json::Writer w;
  w.begin_object();
  w.key("epoch").value(e.epoch).key("seconds").value(e.seconds);
  w.key("loss").value(e.loss).key("accuracy").value(e.accuracy);
  w.key("val_loss").value(e.val_loss).key("val_accuracy").value(e.val_accuracy);
  if (e.val_accuracy_batch_stats) w.key("val_accuracy_batch_stats").value(*e.val_accuracy_batch_stats);
  return w.end().str();
}

std::string run_json(const RunConfig& c, const History& h) {
  json::Writer w;
  w.begin_object();
  w.key("model").value(model_kind_name(c.model)).key("seed").value(c.seed);
  w.key("optimizer").value(optimizer_name(c.optimizer)).key("learning_rate").value(c.learning_rate);
  w.key("momentum").value(c.momentum).key("batch_size").value(c.batch_size).key("wn_init").value(wn_init_name(c.wn_init));
  w.key("ms_per_step").value(h.ms_per_step);
  w.key("stopped");
  h.stopped.empty() ? w.null() : w.value(h.stopped);
  w.key("history").begin_array();
  for (const EpochLog& e : h.epochs) w.raw(epoch_json(e));
  w.end();
  if (h.epochs.empty()) {
    w.key("confusion_matrix").null().key("per_class_accuracy").null();
  } else {
    confusion_fields(w, h.confusion);
  }
  return w.end().str();
}

std::string history_json(const std::string& tool, const std::string& options_json, const std::vector<std::string>& runs) {
  json::Writer w;
  w.begin_object();
  w.key("format").value(kHistoryFormat).key("version").value(kHistoryVersion).key("tool").value(tool);
  w.key("options").raw(options_json);
  w.key("runs").begin_array();
  for (const std::string& r : runs) w.raw(r);
  return w.end().end().str();
}

namespace {
void optional_number(json::Writer& w, const char* key, const std::optional<double>& v) {
  w.key(key);
  v ? w.value(*v) : w.null();
}

// The fields of a diagnostics record after which run it belongs to.
void diagnostics_fields(json::Writer& w, const DiagnosticsRecord& d) {
  w.key("epoch").value(d.epoch).key("step").value(d.step).key("layers").begin_array();
  for (const LayerDiagnostics& l : d.layers) {
    w.begin_object().key("name").value(l.name);
    if (l.weight_norm) {
      w.key("v_norm").value(l.v_norm).key("g_mean").value(l.g_mean).key("g_over_v").value(l.g_over_v);
      optional_number(w, "angle", l.angle);
    } else {
      w.key("w_norm").value(l.w_norm);
      optional_number(w, "update_ratio", l.update_ratio);
    }
    if (l.preact_mean) {
      optional_number(w, "preact_mean", l.preact_mean);
      optional_number(w, "preact_std", l.preact_std);
      optional_number(w, "dead_relu", l.dead_relu);
    }
    w.end();
  }
  w.end();
}

// What the page shows of the model after a validation: the first test images' predicted
// probabilities, and the first layer's filters as applied (w = g·v/‖v‖ for weight norm).
void inspection_fields(json::Writer& w, const std::vector<Prediction>& predictions, const Model& m) {
  w.key("predictions").begin_array();
  for (const Prediction& p : predictions)
    w.begin_object().key("label").value(p.label).key("probs").array(std::vector<float>(p.probs.begin(), p.probs.end())).end();
  w.end();
  for (std::size_t i = 0; i < m.layer_count(); ++i) {
    const Weights weights = m.layer(i).weights(m.params().data() + m.param_offset(i));
    if (!weights) continue;
    w.key("filters").begin_object().key("layer").value(m.layer_name(i)).key("shape").array(weights.kernel_shape);
    w.key("values").array(effective_kernel(weights)).end();
    return;
  }
}

// Which run a record or event belongs to: the cell of the grid.
void run_keys(json::Writer& w, const RunConfig& c) {
  w.key("model").value(model_kind_name(c.model)).key("wn_init").value(wn_init_name(c.wn_init));
  w.key("optimizer").value(optimizer_name(c.optimizer)).key("seed").value(c.seed).key("lr").value(c.learning_rate);
  w.key("batch_size").value(c.batch_size);
}
}  // namespace

std::string diagnostics_json(const DiagnosticsRecord& d, const RunConfig& config) {
  json::Writer w;
  w.begin_object();
  run_keys(w, config);
  diagnostics_fields(w, d);
  return w.end().str();
}

std::string event_json(const FitEvent& e, const Run& run) {
  json::Writer w;
  w.begin_object();
  w.key("type").value(event_name(e.kind));
  run_keys(w, run.config());
  if (e.kind == FitEvent::Kind::diagnostics) {
    diagnostics_fields(w, e.diagnostics);
    return w.end().str();
  }
  w.key("epoch").value(e.epoch).key("epochs").value(e.epochs).key("step").value(e.step).key("steps").value(e.steps);
  w.key("loss").value(e.loss).key("accuracy").value(e.accuracy).key("seconds").value(e.seconds);
  w.key("ms_per_step").value(e.ms_per_step).key("samples_per_s").value(e.samples_per_s);
  if (e.kind == FitEvent::Kind::epoch) {
    w.key("log").raw(epoch_json(e.log));
    w.key("val_accuracy").value(e.log.val_accuracy);
    inspection_fields(w, run.loop().predictions(), run.model());
  }
  if (!e.message.empty()) w.key("message").value(e.message);
  if (e.kind == FitEvent::Kind::epoch || e.kind == FitEvent::Kind::diverged || e.kind == FitEvent::Kind::done)
    w.key("run").raw(run_json(run.config(), run.history()));
  return w.end().str();
}

std::string evaluation_json(const Evaluation& e, const Model& model) {
  const EpochLog log{0, 0, std::nan(""), std::nan(""), e.loss, e.accuracy};  // nothing trained: null
  json::Writer w;
  w.begin_object().key("log").raw(epoch_json(log)).key("val_accuracy").value(e.accuracy).key("count").value(e.count);
  inspection_fields(w, e.tally.predictions, model);
  w.key("run").begin_object();
  confusion_fields(w, e.tally.confusion);
  return w.end().end().str();
}

}  // namespace wn

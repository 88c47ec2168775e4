#pragma once
// The history schema (docs/history.md), written in one place: wn-train's --json file is
// {format, version, tool, options, runs[]}, and each run record is exactly what the page
// receives from its worker and exports. Keys follow Keras' History (loss, accuracy, val_loss,
// val_accuracy) so a file reads like model.fit's return value.
#include <string>
#include <vector>

#include "../predict.hpp"
#include "run.hpp"

namespace wn {

constexpr const char* kHistoryFormat = "wn-history";
constexpr int kHistoryVersion = 1;

// Per class: correct / seen, from the rows of a confusion matrix (0 for a class never seen).
std::vector<double> per_class_accuracy(const ConfusionMatrix& m);

std::string epoch_json(const EpochLog& e);
// One entry of runs[]: what ran (model, seed, optimiser, learning rate …) and how it went.
std::string run_json(const RunConfig& config, const History& history);
// The whole file; options_json is an object of the settings all runs share.
std::string history_json(const std::string& tool, const std::string& options_json, const std::vector<std::string>& runs);
// One line of wn-train --diagnostics: {model, wn_init, optimizer, seed, lr, epoch, step, layers: […]}.
std::string diagnostics_json(const DiagnosticsRecord& d, const RunConfig& config);
// An event as the worker posts it: {type, epoch, step, …}, with the run record on epoch,
// diverged and done events.
std::string event_json(const FitEvent& e, const Run& run);
// A model evaluated on its own (weights from a file): the fields of an epoch event that the
// page's inspection reads — {log (epoch 0, no training metrics), val_accuracy, count,
// predictions, filters, run: {confusion_matrix, per_class_accuracy}}.
std::string evaluation_json(const Evaluation& e, const Model& model);

}  // namespace wn

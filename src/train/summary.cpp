#include "summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>
#include <utility>

#include "../json.hpp"

namespace wn {

namespace {
bool has_result(const RunOutcome& r) { return !r.history.epochs.empty(); }
double final_accuracy(const RunOutcome& r) { return r.history.epochs.back().val_accuracy; }

bool same_setting_but_seed(const RunConfig& a, const RunConfig& b) {
  return a.optimizer == b.optimizer && a.learning_rate == b.learning_rate && a.momentum == b.momentum &&
         a.batch_size == b.batch_size;
}
// Runs of one cell differ only in their seed.
bool same_cell(const RunConfig& a, const RunConfig& b) {
  return a.model == b.model && (!uses_weight_norm(a.model) || a.wn_init == b.wn_init) && same_setting_but_seed(a, b);
}

// Mean and sd (n − 1) of v, which is not empty.
std::pair<double, double> mean_sd(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  const double mean = sum / double(v.size());
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return {mean, v.size() > 1 ? std::sqrt(ss / double(v.size() - 1)) : 0.0};
}

// Whether the runs span more than one batch size: then their labels name it.
bool several_batches(const std::vector<RunOutcome>& runs) {
  for (const RunOutcome& r : runs)
    if (r.config.batch_size != runs[0].config.batch_size) return true;
  return false;
}
}  // namespace

bool same_setting(const RunConfig& a, const RunConfig& b) { return same_setting_but_seed(a, b) && a.seed == b.seed; }

std::string variant_label(const RunConfig& c) {
  std::string s = model_kind_name(c.model);
  return uses_weight_norm(c.model) && c.wn_init != WnInit::tfa ? s + " (" + wn_init_name(c.wn_init) + " init)" : s;
}

std::vector<CellSummary> summarise_cells(const std::vector<RunOutcome>& runs) {
  std::vector<CellSummary> cells;
  std::vector<std::vector<double>> values, batch_stats;
  for (const RunOutcome& r : runs) {
    auto it = std::find_if(cells.begin(), cells.end(), [&](const CellSummary& c) { return same_cell(c.config, r.config); });
    if (it == cells.end()) {
      cells.push_back({r.config});
      values.emplace_back();
      batch_stats.emplace_back();
      it = cells.end() - 1;
    }
    if (!has_result(r)) continue;
    const std::size_t i = std::size_t(it - cells.begin());
    values[i].push_back(final_accuracy(r));
    if (const auto& b = r.history.epochs.back().val_accuracy_batch_stats) batch_stats[i].push_back(*b);
  }
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const std::vector<double>& v = values[i];
    CellSummary& c = cells[i];
    c.runs = int(v.size());
    if (v.empty()) continue;
    std::tie(c.mean, c.sd) = mean_sd(v);
    c.min = *std::min_element(v.begin(), v.end());
    c.max = *std::max_element(v.begin(), v.end());
    c.batch_stat_runs = int(batch_stats[i].size());
    if (c.batch_stat_runs) std::tie(c.batch_stat_mean, c.batch_stat_sd) = mean_sd(batch_stats[i]);
  }
  return cells;
}

std::vector<PairSummary> summarise_pairs(const std::vector<RunOutcome>& runs) {
  std::vector<PairSummary> out;
  for (const RunOutcome& r : runs) {
    if (!uses_weight_norm(r.config.model)) continue;
    auto plain = std::find_if(runs.begin(), runs.end(), [&](const RunOutcome& p) {
      return p.config.model == ModelKind::regular && same_setting(p.config, r.config);
    });
    auto it = std::find_if(out.begin(), out.end(), [&](const PairSummary& s) { return same_cell(s.config, r.config); });
    if (it == out.end()) {
      out.push_back({r.config});
      it = out.end() - 1;
    }
    if (plain == runs.end() || !has_result(*plain) || !has_result(r)) continue;
    ++it->pairs;
    it->ahead += final_accuracy(r) > final_accuracy(*plain);
  }
  out.erase(std::remove_if(out.begin(), out.end(), [](const PairSummary& s) { return s.pairs == 0; }), out.end());
  return out;
}

std::string setting_label(const RunConfig& c, bool batch) {
  std::string s = std::string(optimizer_name(c.optimizer)) + " lr " + json::number(c.learning_rate);
  if (c.momentum > 0) s += " momentum " + json::number(c.momentum);
  return batch ? s + " batch " + std::to_string(c.batch_size) : s;
}

bool is_grid(const std::vector<RunOutcome>& runs) {
  for (const RunOutcome& r : runs)
    if (r.config.seed != runs[0].config.seed || !same_setting_but_seed(r.config, runs[0].config)) return true;
  return false;
}

namespace {
template <class... T>
std::string format(const char* f, T... values) {
  const int n = std::snprintf(nullptr, 0, f, values...);
  std::string out(std::size_t(n) + 1, '\0');
  std::snprintf(out.data(), out.size(), f, values...);
  out.pop_back();
  return out;
}
}  // namespace

std::string summary_text(const std::vector<RunOutcome>& runs) {
  std::string out;
  if (!is_grid(runs)) {
    for (const RunOutcome& r : runs) {
      if (r.history.epochs.empty()) continue;
      const EpochLog& last = r.history.epochs.back();
      if (last.epoch == 0)
        out += format("%-10s evaluated: val_loss %.4f, val_accuracy %.4f\n", variant_label(r.config).c_str(), last.val_loss,
                      last.val_accuracy);
      else
        out += format("%-10s val_accuracy after %d epoch(s): %.4f (%.2f ms/step)\n", variant_label(r.config).c_str(), last.epoch,
                      last.val_accuracy, r.history.ms_per_step);
      if (last.val_accuracy_batch_stats)
        out += format("%-10s with batch statistics (batches of %d): %.4f\n", "", r.config.batch_size, *last.val_accuracy_batch_stats);
    }
    return out;
  }
  const bool batch = several_batches(runs);
  out += "final val_accuracy over seeds:\n";
  for (const CellSummary& c : summarise_cells(runs)) {
    const std::string setting = setting_label(c.config, batch);
    out += format("  %-26s %-16s %2d seed(s): %.4f ± %.4f  (min %.4f, max %.4f)\n", variant_label(c.config).c_str(), setting.c_str(),
                  c.runs, c.mean, c.sd, c.min, c.max);
    if (c.batch_stat_runs)  // under its cell's numbers
      out += format("  %-26s %-*s %2d seed(s): %.4f ± %.4f  with batch statistics\n", "", int(std::max<std::size_t>(setting.size(), 16)),
                    "", c.batch_stat_runs, c.batch_stat_mean, c.batch_stat_sd);
  }
  for (const PairSummary& p : summarise_pairs(runs))
    out += format("  %-16s %s ahead of regular in %d/%d seeds\n", setting_label(p.config, batch).c_str(), variant_label(p.config).c_str(),
                  p.ahead, p.pairs);
  return out;
}

}  // namespace wn

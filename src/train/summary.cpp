#include "summary.hpp"

#include <algorithm>
#include <cmath>

namespace wn {

namespace {
bool has_result(const RunOutcome& r) { return !r.history.epochs.empty(); }
double final_accuracy(const RunOutcome& r) { return r.history.epochs.back().val_accuracy; }

// Runs of one cell differ only in their seed.
bool same_cell(const RunConfig& a, const RunConfig& b) {
  return a.model == b.model && (!uses_weight_norm(a.model) || a.wn_init == b.wn_init) && a.optimizer == b.optimizer &&
         a.learning_rate == b.learning_rate && a.momentum == b.momentum;
}
bool same_setting(const RunConfig& a, const RunConfig& b) {
  return a.optimizer == b.optimizer && a.learning_rate == b.learning_rate && a.momentum == b.momentum && a.seed == b.seed;
}
}  // namespace

std::string variant_label(const RunConfig& c) {
  std::string s = model_kind_name(c.model);
  return uses_weight_norm(c.model) && c.wn_init != WnInit::tfa ? s + " (" + wn_init_name(c.wn_init) + " init)" : s;
}

std::vector<CellSummary> summarise_cells(const std::vector<RunOutcome>& runs) {
  std::vector<CellSummary> cells;
  std::vector<std::vector<double>> values;
  for (const RunOutcome& r : runs) {
    auto it = std::find_if(cells.begin(), cells.end(), [&](const CellSummary& c) { return same_cell(c.config, r.config); });
    if (it == cells.end()) {
      cells.push_back({r.config});
      values.emplace_back();
      it = cells.end() - 1;
    }
    if (has_result(r)) values[std::size_t(it - cells.begin())].push_back(final_accuracy(r));
  }
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const std::vector<double>& v = values[i];
    CellSummary& c = cells[i];
    c.runs = int(v.size());
    if (v.empty()) continue;
    double sum = 0;
    for (double x : v) sum += x;
    c.mean = sum / double(v.size());
    double ss = 0;
    for (double x : v) ss += (x - c.mean) * (x - c.mean);
    c.sd = v.size() > 1 ? std::sqrt(ss / double(v.size() - 1)) : 0.0;
    c.min = *std::min_element(v.begin(), v.end());
    c.max = *std::max_element(v.begin(), v.end());
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

}  // namespace wn

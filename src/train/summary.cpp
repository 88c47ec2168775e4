#include "summary.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

namespace wn {

namespace {
bool has_result(const RunOutcome& r) { return !r.history.epochs.empty(); }
double final_accuracy(const RunOutcome& r) { return r.history.epochs.back().val_accuracy; }
}  // namespace

std::vector<CellSummary> summarise_cells(const std::vector<RunOutcome>& runs) {
  std::vector<CellSummary> cells;
  std::vector<std::vector<double>> values;
  for (const RunOutcome& r : runs) {
    auto it = std::find_if(cells.begin(), cells.end(), [&](const CellSummary& c) {
      return c.model == r.config.model && c.learning_rate == r.config.learning_rate;
    });
    if (it == cells.end()) {
      cells.push_back({r.config.model, r.config.learning_rate});
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
  // (lr, seed) → final accuracy of regular and of weightnorm
  std::map<std::pair<float, std::uint64_t>, std::pair<const RunOutcome*, const RunOutcome*>> pairs;
  std::vector<float> order;
  for (const RunOutcome& r : runs) {
    if (r.config.model == Preset::regular) pairs[{r.config.learning_rate, r.config.seed}].first = &r;
    if (r.config.model == Preset::weightnorm) pairs[{r.config.learning_rate, r.config.seed}].second = &r;
    if (std::find(order.begin(), order.end(), r.config.learning_rate) == order.end()) order.push_back(r.config.learning_rate);
  }
  std::vector<PairSummary> out;
  for (float lr : order) {
    PairSummary s{lr};
    for (const auto& [key, pair] : pairs) {
      if (key.first != lr || !pair.first || !pair.second || !has_result(*pair.first) || !has_result(*pair.second)) continue;
      ++s.pairs;
      s.ahead += final_accuracy(*pair.second) > final_accuracy(*pair.first);
    }
    if (s.pairs) out.push_back(s);
  }
  return out;
}

}  // namespace wn

#pragma once
// What a grid of runs says, per (model, learning rate): the final validation accuracy over the
// seeds as mean ± sd and min–max, and for paired runs how often weight norm came out ahead.
#include <string>
#include <vector>

#include "run.hpp"

namespace wn {

struct RunOutcome {
  RunConfig config;
  History history;
};

struct CellSummary {
  Preset model;
  float learning_rate;
  int runs = 0;  // seeds with at least one finished epoch
  double mean = 0, sd = 0, min = 0, max = 0;  // final val_accuracy; sd over seeds (n − 1)
};

struct PairSummary {
  float learning_rate;
  int ahead = 0, pairs = 0;  // seeds where weightnorm's final val_accuracy beat regular's
};

std::vector<CellSummary> summarise_cells(const std::vector<RunOutcome>& runs);
std::vector<PairSummary> summarise_pairs(const std::vector<RunOutcome>& runs);

}  // namespace wn

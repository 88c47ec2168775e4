#pragma once
// What a grid of runs says, per variant (a model with its weight-norm init), optimiser and
// learning rate: the final validation accuracy over the seeds as mean ± sd and min–max, and for
// paired runs how often each weight-normalised variant came out ahead of the plain net.
#include <string>
#include <vector>

#include "run.hpp"

namespace wn {

struct RunOutcome {
  RunConfig config;
  History history;
};

// "regular", "weightnorm", "weightnorm (paper init)": how summaries and logs name a variant.
std::string variant_label(const RunConfig& c);

struct CellSummary {
  RunConfig config;  // the cell: model, wn_init, optimizer, learning_rate, batch_size (seed: the first)
  int runs = 0;      // seeds with at least one finished epoch
  double mean = 0, sd = 0, min = 0, max = 0;  // final val_accuracy; sd over seeds (n − 1)
  // Batch norm's final val_accuracy with batch statistics (EpochLog::val_accuracy_batch_stats):
  // mean and sd over the same seeds, when the runs have it.
  int batch_stat_runs = 0;
  double batch_stat_mean = 0, batch_stat_sd = 0;
};

struct PairSummary {
  RunConfig config;          // the weight-normalised variant's cell
  int ahead = 0, pairs = 0;  // seeds where its final val_accuracy beat the plain net's
};

// Runs paired with each other: one seed, one optimiser setting and batch size, only the variant differs.
bool same_setting(const RunConfig& a, const RunConfig& b);

std::vector<CellSummary> summarise_cells(const std::vector<RunOutcome>& runs);
std::vector<PairSummary> summarise_pairs(const std::vector<RunOutcome>& runs);

// "adam lr 0.001", "sgd lr 0.01 momentum 0.9": a run's optimiser setting; with batch, also its
// batch size ("adam lr 0.001 batch 8"), for grids over batch sizes.
std::string setting_label(const RunConfig& c, bool batch = false);
// More than one seed or optimiser setting: a grid, summarised per cell over its seeds.
bool is_grid(const std::vector<RunOutcome>& runs);
// What wn-train prints after its runs and wn-merge after merging, the same for the same runs:
// for a grid, each cell's final val_accuracy (mean ± sd, min–max over seeds) and how many seeds
// each weight-normalised variant was ahead in; otherwise each run's final accuracy.
std::string summary_text(const std::vector<RunOutcome>& runs);

}  // namespace wn

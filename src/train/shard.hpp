#pragma once
// `wn-train --shard K/N`: the K-th of N parts of a grid, so a sweep can run as N processes (a
// Slurm job array, GNU parallel) whose histories wn-merge joins (docs/cluster.md).
//
// The grid is cut into blocks of runs that share an optimiser, learning rate, momentum and seed:
// the variants of one seed, which summarise_pairs compares, always run in the same process, and
// every run keeps the RunConfig (seed included) expand_grid gave it, so its numbers are those of
// the whole grid's run. Shard K takes the K-th of N contiguous, near-equal ranges of blocks:
// concatenating shards 0..N-1 gives the grid in its order, which is how wn-merge rebuilds it.
#include <string>
#include <vector>

#include "../status.hpp"
#include "run.hpp"

namespace wn {

struct Shard {
  int index = 0, count = 1;  // 0 ≤ index < count
  bool whole() const { return count == 1; }
};

// "K/N" with 0 ≤ K < N ≤ kMaxShards, as $SLURM_ARRAY_TASK_ID gives K.
constexpr int kMaxShards = 100000;
Result<Shard> parse_shard(const std::string& text);
std::string shard_name(const Shard& s);  // "K/N"

// The runs of shard s, in grid order; empty when the grid has fewer blocks than shards.
std::vector<RunConfig> shard_of(const std::vector<RunConfig>& grid, const Shard& s);

}  // namespace wn

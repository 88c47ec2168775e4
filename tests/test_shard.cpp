#include <doctest/doctest.h>

#include "cli/options.hpp"
#include "train/shard.hpp"
#include "train/summary.hpp"

using namespace wn;

namespace {
std::vector<RunConfig> grid_of(std::vector<const char*> args) {
  args.insert(args.begin(), "wn-train");
  auto o = parse_options(int(args.size()), args.data());
  REQUIRE(o);
  return expand_grid(o.value(), 1);
}

bool same_run(const RunConfig& a, const RunConfig& b) {
  return a.model == b.model && a.wn_init == b.wn_init && a.seed == b.seed && a.optimizer == b.optimizer &&
         a.learning_rate == b.learning_rate && a.momentum == b.momentum && a.epochs == b.epochs && a.batch_size == b.batch_size;
}
}  // namespace

TEST_CASE("--shard K/N: K counts from 0 and stays below N") {
  auto s = parse_shard("3/4");
  REQUIRE(s);
  CHECK(s->index == 3);
  CHECK(s->count == 4);
  CHECK(shard_name(s.value()) == "3/4");
  CHECK(parse_shard("0/1")->whole());
  auto past = parse_shard("4/4");
  REQUIRE(!past);
  CHECK(past.message().find("below N") != std::string::npos);
  for (const char* bad : {"", "1", "/4", "1/", "-1/4", "1/0", "1/4/2", " 1/4", "1/4 ", "+1/4", "a/4", "1/1e3", "0/100001"}) {
    CAPTURE(bad);
    CHECK(!parse_shard(bad));
  }
}

TEST_CASE("--shard on the command line: parsed into CliOptions, refused when malformed") {
  std::vector<const char*> args{"wn-train", "--shard", "1/4"};
  auto o = parse_options(int(args.size()), args.data());
  REQUIRE(o);
  REQUIRE(o->shard);
  CHECK(o->shard->index == 1);
  std::vector<const char*> bad{"wn-train", "--shard=4/4"};
  CHECK(!parse_options(int(bad.size()), bad.data()));
}

TEST_CASE("shards tile the grid in order, whole blocks of paired variants, near-equal sizes") {
  // 2 optimiser settings × 3 seeds = 6 blocks of 3 variants (regular, weightnorm tfa, weightnorm paper).
  const auto grid = grid_of({"--seeds", "1-3", "--lr", "1e-3,1e-2", "--wn-init", "tfa,paper"});
  REQUIRE(grid.size() == 18);
  for (int n = 1; n <= 8; ++n) {
    CAPTURE(n);
    std::vector<RunConfig> joined;
    std::size_t smallest = grid.size(), largest = 0;
    for (int k = 0; k < n; ++k) {
      const auto part = shard_of(grid, {k, n});
      CHECK(part.size() % 3 == 0);  // whole blocks: a seed's variants stay together
      for (std::size_t i = 0; i < part.size(); i += 3) {
        CHECK(same_setting(part[i], part[i + 1]));
        CHECK(same_setting(part[i], part[i + 2]));
      }
      smallest = std::min(smallest, part.size()), largest = std::max(largest, part.size());
      joined.insert(joined.end(), part.begin(), part.end());
    }
    REQUIRE(joined.size() == grid.size());
    for (std::size_t i = 0; i < grid.size(); ++i) CHECK(same_run(joined[i], grid[i]));  // seeds and settings unchanged
    CHECK(largest - smallest <= 3);
  }
  // More shards than blocks: some are empty, and the rest still tile the grid.
  CHECK(shard_of(grid, {6, 7}).size() == 3);
  CHECK(shard_of(grid, {0, 7}).empty());
}

TEST_CASE("a shard's runs do not depend on N beyond which blocks it holds") {
  const auto grid = grid_of({"--seeds", "1-4", "--model", "regular"});
  const auto half = shard_of(grid, {1, 2});
  REQUIRE(half.size() == 2);
  CHECK(half[0].seed == 3);
  CHECK(half[1].seed == 4);
  CHECK(same_run(shard_of(grid, {3, 4})[0], half[1]));
}

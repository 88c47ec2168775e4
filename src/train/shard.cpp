#include "shard.hpp"

#include <cstdlib>

#include "summary.hpp"

namespace wn {

namespace {
// A plain non-negative decimal, no sign, blanks or exponent: "03" is 3, "3 " is refused.
bool whole_number(const std::string& text, long hi, long& out) {
  if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos) return false;
  out = std::strtol(text.c_str(), nullptr, 10);
  return out <= hi;
}
}  // namespace

Result<Shard> parse_shard(const std::string& text) {
  const std::size_t slash = text.find('/');
  long k = 0, n = 0;
  if (slash == std::string::npos || !whole_number(text.substr(0, slash), kMaxShards, k) ||
      !whole_number(text.substr(slash + 1), kMaxShards, n) || n < 1)
    return Error{"--shard expects K/N with 0 ≤ K < N ≤ " + std::to_string(kMaxShards) + " (e.g. 0/4), got '" + text + "'"};
  if (k >= n)
    return Error{"--shard " + text + ": K counts from 0, so it must be below N (a job array's --array=0-" + std::to_string(n - 1) +
                 ")"};
  return Shard{int(k), int(n)};
}

std::string shard_name(const Shard& s) { return std::to_string(s.index) + "/" + std::to_string(s.count); }

std::vector<RunConfig> shard_of(const std::vector<RunConfig>& grid, const Shard& s) {
  std::vector<std::size_t> starts;  // the first run of every block
  for (std::size_t i = 0; i < grid.size(); ++i)
    if (i == 0 || !same_setting(grid[i - 1], grid[i])) starts.push_back(i);
  const std::size_t blocks = starts.size(), n = std::size_t(s.count), k = std::size_t(s.index);
  // Blocks [k·B/N, (k+1)·B/N): sizes differ by at most one, and the ranges tile 0..B.
  const std::size_t first = k * blocks / n, last = (k + 1) * blocks / n;
  const std::size_t from = first < blocks ? starts[first] : grid.size();
  const std::size_t to = last < blocks ? starts[last] : grid.size();
  return std::vector<RunConfig>(grid.begin() + long(from), grid.begin() + long(to));
}

}  // namespace wn

#include "diagnostics.hpp"

#include <algorithm>
#include <cmath>

namespace wn {

ChannelMoments channel_moments(const float* z, std::size_t rows, int N) {
  ChannelMoments m{std::vector<double>(N, 0.0), std::vector<double>(N, 0.0)};
  for (std::size_t r = 0; r < rows; ++r)
    for (int j = 0; j < N; ++j) m.mean[j] += z[r * N + j];
  for (int j = 0; j < N; ++j) m.mean[j] /= double(rows);
  for (std::size_t r = 0; r < rows; ++r)
    for (int j = 0; j < N; ++j) m.std[j] += (z[r * N + j] - m.mean[j]) * (z[r * N + j] - m.mean[j]);
  for (int j = 0; j < N; ++j) m.std[j] = std::sqrt(m.std[j] / double(rows));
  return m;
}

namespace {
// Column j of a rows × cols matrix, as doubles.
double column_dot(const float* a, const float* b, int rows, int cols, int j) {
  double s = 0;
  for (int k = 0; k < rows; ++k) s += double(a[std::size_t(k) * cols + j]) * b[std::size_t(k) * cols + j];
  return s;
}
}  // namespace

DiagnosticsRecord Diagnostics::sample(const Model& model, int epoch, int step) {
  DiagnosticsRecord record{epoch, step, {}};
  const bool first = previous_.empty();
  std::size_t slot = 0;
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    const Weights w = model.layer(i).weights(model.params().data() + model.param_offset(i));
    if (!w) continue;
    if (first) previous_.emplace_back();
    std::vector<float>& prev = previous_[slot++];
    const std::size_t size = std::size_t(w.rows) * w.cols;
    LayerDiagnostics d;
    d.name = model.layer_name(i);
    d.weight_norm = w.g != nullptr;
    double norms = 0, g_sum = 0, ratio = 0, angles = 0, total = 0, moved = 0;
    for (int j = 0; j < w.cols; ++j) {
      const double norm = std::sqrt(column_dot(w.kernel, w.kernel, w.rows, w.cols, j));
      norms += norm;
      if (d.weight_norm) {
        g_sum += w.g[j];
        ratio += norm > 0 ? w.g[j] / norm : 0.0;
        if (!first) {
          const double before = std::sqrt(column_dot(prev.data(), prev.data(), w.rows, w.cols, j));
          const double c = norm > 0 && before > 0 ? column_dot(w.kernel, prev.data(), w.rows, w.cols, j) / (norm * before) : 1.0;
          angles += std::acos(std::clamp(c, -1.0, 1.0));
        }
      }
    }
    if (d.weight_norm) {
      d.v_norm = norms / w.cols, d.g_mean = g_sum / w.cols, d.g_over_v = ratio / w.cols;
      if (!first) d.angle = angles / w.cols;
    } else {
      d.w_norm = norms / w.cols;
      if (!first) {
        for (std::size_t k = 0; k < size; ++k) {
          total += double(prev[k]) * prev[k];
          moved += (double(w.kernel[k]) - prev[k]) * (double(w.kernel[k]) - prev[k]);
        }
        d.update_ratio = total > 0 ? std::sqrt(moved / total) : 0.0;
      }
    }
    prev.assign(w.kernel, w.kernel + size);
    record.layers.push_back(d);
  }
  return record;
}

DiagnosticsRecord Diagnostics::first(const Model& model, const float* x0, int n) {
  DiagnosticsRecord record = sample(model, 1, 0);
  std::vector<float> x(x0, x0 + model.input_shape().size() * n), y, z, scratch;
  // A weight layer's statistics are those of its block: with batch norm (or mean-only batch
  // norm) after it, the layer itself is linear and the normalising layer's output, activation
  // included, is what the next layer sees, so that layer's numbers replace the raw ones.
  auto next = record.layers.begin();
  LayerDiagnostics* block = nullptr;
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    const Layer& layer = model.layer(i);
    const float* p = model.params().data() + model.param_offset(i);
    const std::size_t count = layer.output_shape().size() * n;
    if (layer.weights(p)) block = &*next++;
    scratch.assign(layer.scratch_floats(n), 0.0f);
    z.assign(count, 0.0f);
    const bool measured = block && layer.preactivation(p, x.data(), z.data(), n, scratch.data());
    if (measured) {
      double sum = 0, ss = 0;
      for (float v : z) sum += v;
      const double mean = sum / double(count);
      for (float v : z) ss += (v - mean) * (v - mean);
      block->preact_mean = mean;
      block->preact_std = std::sqrt(ss / double(count));
    }
    y.assign(count, 0.0f);
    layer.forward(p, x.data(), y.data(), n, scratch.data());
    if (measured) block->dead_relu = double(std::count(y.begin(), y.end(), 0.0f)) / double(count);
    std::swap(x, y);
  }
  return record;
}

}  // namespace wn

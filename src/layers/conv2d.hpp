#pragma once
// Conv2D, NHWC, kernel [kh][kw][cin][cout] (Keras layout), bias [cout] unless use_bias is off (a layer
// that batch norm follows: its β is the bias, Keras' use_bias=False), fused activation.
// The kernels (kernels/direct.hpp) read each output pixel's receptive field where it lies
// in the NHWC input and vectorise over output channels: no im2col matrix. A padding layer
// copies its input once into a zero-padded NHWC buffer first.
// tests/reference.hpp holds the direct loops this is tested against.
#include <vector>

#include "../kernels/direct.hpp"
#include "activation.hpp"
#include "layer.hpp"

namespace wn {

enum class Padding { valid, same };

struct Conv2DConfig {
  int filters = 1;
  int kernel_h = 1, kernel_w = 1;
  int stride = 1;
  Padding padding = Padding::valid;
  Activation activation = Activation::linear;
  bool use_bias = true;
};

class Conv2D : public Layer {
 public:
  Conv2D(Shape in, Conv2DConfig cfg);

  std::string describe() const override;
  std::string keras_name() const override { return "conv2d"; }
  Shape input_shape() const override { return in_; }
  Shape output_shape() const override { return out_; }
  std::size_t param_count() const override { return kernel_size() + (cfg_.use_bias ? filters() : 0); }
  // Glorot-uniform kernel (Keras' default), zero bias.
  void init_params(float* params, Rng& rng) const override;
  std::size_t scratch_floats(int n) const override;

  void forward(const float* params, const float* x, float* y, int n,
               float* scratch) const override;
  void backward(const float* params, const float* x, const float* y, const float* dy, float* dx,
                float* dparams, int n, float* scratch) const override;
  Weights weights(const float* params) const override;
  bool preactivation(const float* params, const float* x, float* z, int n, float* scratch) const override {
    forward_with(params, bias(params), Activation::linear, x, z, n, scratch);
    return true;
  }

  // The same computation with the kernel and bias given explicitly, for wrappers
  // that derive the kernel (WeightNorm) or need the pre-activation (its data init).
  // bias may be null (none); so may dbias (its gradient is not wanted).
  void forward_with(const float* kernel, const float* bias, Activation act, const float* x,
                    float* y, int n, float* scratch) const;
  void backward_with(const float* kernel, const float* x, const float* y, const float* dy,
                     float* dx, float* dkernel, float* dbias, int n, float* scratch) const;

  int fan_in() const { return kh_ * kw_ * in_.c; }  // rows of the kernel matrix (K)
  int filters() const { return cfg_.filters; }       // columns (N)
  std::size_t kernel_size() const { return std::size_t(fan_in()) * filters(); }
  Activation activation() const { return cfg_.activation; }
  int pad_top() const { return pad_top_; }
  int pad_left() const { return pad_left_; }
  const Conv2DConfig& config() const { return cfg_; }

 protected:
  float glorot_limit_;  // sqrt(6 / (fan_in + fan_out)); Dense counts fan_out differently

 private:
  struct ScratchLayout;
  ScratchLayout layout(int n) const;
  bool pads() const { return padded_h_ != in_.h || padded_w_ != in_.w; }
  int rows(int n) const { return n * out_.h * out_.w; }
  const float* bias(const float* params) const { return cfg_.use_bias ? params + kernel_size() : nullptr; }
  float* bias(float* params) const { return cfg_.use_bias ? params + kernel_size() : nullptr; }  // output pixels: rows of the im2col matrix
  kernels::PixelRows pixels() const;                      // the receptive fields, as the kernels read them
  template <class F>
  void for_each_padded_row(int n, F&& f) const;
  void to_padded(const float* x, int n, float* padded) const;
  void from_padded(const float* padded, int n, float* x) const;

  Shape in_, out_;
  Conv2DConfig cfg_;
  int kh_, kw_, pad_top_ = 0, pad_left_ = 0;
  int padded_h_, padded_w_;        // the input plus its zero padding
  std::vector<int> pixel_offset_;  // per output pixel: its receptive field in a padded image
  // Wide stride-1 layers compute dx as a convolution of the padded output gradient with the flipped
  // kernel (conv2d.cpp): per input pixel, its receptive field in that padded gradient image.
  bool flipped_dx() const { return in_.c >= 8 && cfg_.stride == 1; }
  int dpad_h() const { return out_.h + 2 * (kh_ - 1); }
  int dpad_w() const { return out_.w + 2 * (kw_ - 1); }
  kernels::PixelRows dx_pixels() const;
  void input_grad_flipped(const float* kernel, const float* D, float* dx, int n, float* scratch) const;
  std::vector<int> dx_offset_;
};

}  // namespace wn

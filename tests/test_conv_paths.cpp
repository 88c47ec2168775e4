#include <doctest/doctest.h>

#include "gradcheck.hpp"
#include "layers/conv2d.hpp"
#include "reference.hpp"

using namespace wn;

// Every kernel path Conv2D picks (narrow layers: one sweep over all rows for the kernel gradient; wide
// layers, 8 or more input channels: rows summed in cache-sized blocks) against the plain loops of
// reference.hpp, on shapes chosen to be awkward: channel counts that are no multiple of 4 or 8 lanes,
// 'same' padding split unevenly by a stride, more output pixels than one block (and a partial last block),
// filter counts below, between and above whole vectors, and the first layer's case without dx.
TEST_CASE("every Conv2D kernel path matches the reference loops on odd shapes") {
  struct Case {
    Shape in;
    Conv2DConfig cfg;
    int n;
    bool dx;
  };
  const Case cases[] = {
      {{9, 7, 3}, {5, 3, 3, 1, Padding::same, Activation::relu}, 2, true},     // narrow, same
      {{10, 9, 6}, {19, 5, 5, 2, Padding::valid, Activation::linear}, 3, true},  // narrow, stride 2
      {{12, 12, 8}, {8, 3, 3, 1, Padding::same, Activation::relu}, 3, true},    // wide, 432 rows: 2 blocks
      {{11, 13, 13}, {11, 3, 3, 1, Padding::same, Activation::relu}, 2, true},  // wide, odd channels
      {{9, 10, 17}, {33, 3, 3, 2, Padding::same, Activation::linear}, 4, true}, // wide, stride 2, uneven pads
      {{8, 8, 24}, {48, 3, 3, 1, Padding::valid, Activation::relu}, 5, true},   // ConvPool-CNN-C's conv7
      {{6, 6, 48}, {48, 1, 1, 1, Padding::valid, Activation::relu}, 9, true},   // its 1×1 convs, 324 rows
      {{16, 16, 9}, {24, 3, 3, 1, Padding::same, Activation::relu}, 2, false},  // no dx, 512 rows
      {{7, 5, 12}, {5, 2, 3, 1, Padding::same, Activation::linear}, 3, true},   // non-square kernel
      // Leaky ReLU, fused into the forward store and the output gradient: ConvPool-CNN-C at width 0.125
      // (12 channels, no multiple of 8 lanes), narrow at batch 1 without dx, a 1×1 whose M·N = 325 floats
      // end in a partial vector, and a valid 3×3.
      {{10, 10, 12}, {12, 3, 3, 1, Padding::same, Activation::leaky_relu}, 3, true},
      {{9, 7, 3}, {7, 3, 3, 1, Padding::same, Activation::leaky_relu}, 1, false},
      {{5, 5, 10}, {13, 1, 1, 1, Padding::valid, Activation::leaky_relu}, 1, true},
      {{8, 8, 24}, {20, 3, 3, 1, Padding::valid, Activation::leaky_relu}, 2, true},
  };
  Rng rng(17);
  for (const Case& c : cases) {
    CAPTURE(c.in.str());
    CAPTURE(c.cfg.filters);
    CAPTURE(c.cfg.stride);
    Conv2D conv(c.in, c.cfg);
    std::vector<float> p(conv.param_count());
    conv.init_params(p.data(), rng);
    for (int f = 0; f < conv.filters(); ++f) p[conv.kernel_size() + f] = rng.uniform(-0.2f, 0.2f);
    const auto x = test::random_vector(conv.input_shape().size() * c.n, rng);
    std::vector<float> y(conv.output_shape().size() * c.n), want(y.size());
    std::vector<float> scratch(conv.scratch_floats(c.n));
    conv.forward(p.data(), x.data(), y.data(), c.n, scratch.data());
    const reference::ConvGeometry g{conv.input_shape(), conv.output_shape(), c.cfg.kernel_h, c.cfg.kernel_w,
                                    c.cfg.stride, conv.pad_top(), conv.pad_left()};
    // The reference's linear output through the scalar activation (layers/activation.hpp).
    reference::conv2d_forward(g, x.data(), p.data(), p.data() + conv.kernel_size(), false, want.data(), c.n);
    activate(c.cfg.activation, want.data(), want.size());
    CHECK(test::rel_error(y, want) < 1e-5);

    const auto dy = test::random_vector(y.size(), rng);
    std::vector<float> dx(x.size(), 0.0f), dp(p.size(), 0.0f);
    conv.backward(p.data(), x.data(), y.data(), dy.data(), c.dx ? dx.data() : nullptr, dp.data(), c.n, scratch.data());
    std::vector<float> dy_masked(dy);
    for (std::size_t i = 0; i < dy.size(); ++i) dy_masked[i] = activation_grad(c.cfg.activation, y[i], dy[i]);
    std::vector<float> rdx(x.size()), rdp(p.size());
    reference::conv2d_backward(g, x.data(), p.data(), dy_masked.data(), rdx.data(), rdp.data(),
                               rdp.data() + conv.kernel_size(), c.n);
    if (c.dx) CHECK(test::rel_error(dx, rdx) < 1e-5);
    CHECK(test::rel_error(dp, rdp) < 1e-5);
  }
}

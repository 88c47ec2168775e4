"""The tutorial's two LeNets in PyTorch: one definition for the golden fixtures (make_golden.py) and for
the speed comparison of `npm run bench` (bench_torch.py), so the net that is timed is the net that is checked.

Inside, the nets are written as a PyTorch user would write them (NCHW, Conv2d weights [cout][cin][kh][kw],
Linear [out][in], torch.nn.utils.weight_norm), so the benchmark times idiomatic PyTorch. to_ours() and
from_ours() convert to and from wn-trainer's flat parameter vector (src/model.cpp): per layer [kernel][bias],
or [v][bias][g] with weight norm; kernels [kh][kw][cin][cout]; Dense [in][out] with `in` the NHWC flatten of
(h, w, c).
"""
import torch
import torch.nn.functional as F
from torch import nn

# Every Conv2D and Dense as the convolution it is (src/layers/dense.hpp): its kernel in our layout,
# (kh, kw, cin, cout). A Dense kernel covers its whole input, (5, 5, 16) after the second pooling.
KERNELS = [(5, 5, 3, 6), (5, 5, 6, 16), (5, 5, 16, 120), (1, 1, 120, 84), (1, 1, 84, 10)]

# TFA's epsilon on the data init's variance (src/layers/weight_norm.cpp).
VARIANCE_EPS = 1e-10


def _relu_pool(x):
    return F.max_pool2d(F.relu(x), 2)


# What follows each Conv2D/Dense: ReLU and MaxPool(2, 2) after the convolutions, Flatten after the second,
# ReLU after the hidden Dense layers, nothing after the last (the softmax is fused into the loss).
AFTER = [_relu_pool, lambda x: torch.flatten(_relu_pool(x), 1), F.relu, F.relu, lambda x: x]


class LeNet(nn.Module):
    """Conv2D(6,5,relu) → MaxPool(2,2) → Conv2D(16,5,relu) → MaxPool(2,2) → Flatten → Dense(120,relu)
    → Dense(84,relu) → Dense(10); with weight_norm, every Conv2D/Dense wrapped in weight normalisation."""

    def __init__(self, weight_norm):
        super().__init__()
        layers = [nn.Conv2d(3, 6, 5), nn.Conv2d(6, 16, 5), nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)]
        if weight_norm:
            # w = g·v/‖v‖ per output channel, the norm over every other axis: TFA's WeightNormalization.
            # PyTorch's output axis is 0. Its own implementation, not a copy of ours: an independent check.
            layers = [nn.utils.weight_norm(layer, dim=0) for layer in layers]
        self.weight_norm = weight_norm
        self.layers = nn.ModuleList(layers)

    def forward(self, x):
        """x: N×3×32×32 (NCHW). Returns the logits."""
        for layer, after in zip(self.layers, AFTER):
            x = after(layer(x))
        return x


@torch.no_grad()
def tfa_data_init(net, x):
    """TFA's data-dependent init on batch x (NCHW), layer by layer in forward order, so each layer's statistics
    see the already-initialised layers below it. z = the layer run with the *unnormalised* v, no bias and no
    activation; per output channel, over every other axis, mean and population variance of z; then
    g ← g/√(var + 1e-10) and bias ← −mean/√(var + 1e-10). g must hold TFA's initial ones."""
    for layer, after in zip(net.layers, AFTER):
        v = layer.weight_v
        z = F.conv2d(x, v) if v.dim() == 4 else F.linear(x, v)
        var, mean = torch.var_mean(z, dim=[d for d in range(z.dim()) if d != 1], unbiased=False)
        scale = 1 / torch.sqrt(var + VARIANCE_EPS)
        layer.weight_g.mul_(scale.reshape(layer.weight_g.shape))
        layer.bias.copy_(-mean * scale)
        x = after(layer(x))  # weight_norm's hook recomputes w from the new g


def _pieces(net):
    """The tensors of our flat layout in its order, each with its kernel shape in our layout (None: a vector)."""
    for layer, shape in zip(net.layers, KERNELS):
        if net.weight_norm:
            yield from ((layer.weight_v, shape), (layer.bias, None), (layer.weight_g, None))
        else:
            yield from ((layer.weight, shape), (layer.bias, None))


def to_ours(net, grads=False):
    """The parameters (or, with grads, their gradients) as our flat vector."""
    parts = []
    for t, shape in _pieces(net):
        t = (t.grad if grads else t).detach()
        if shape:  # [cout][cin][kh][kw] (Linear: [out][cin·kh·kw], NCHW order) → [kh][kw][cin][cout]
            kh, kw, cin, cout = shape
            t = t.reshape(cout, cin, kh, kw).permute(2, 3, 1, 0)
        parts.append(t.reshape(-1))
    return torch.cat(parts)


@torch.no_grad()
def from_ours(net, flat):
    """Loads our flat vector (a 1-D tensor) into the net."""
    at = 0
    for t, shape in _pieces(net):
        piece = flat[at:at + t.numel()].to(t.dtype)
        at += t.numel()
        if shape:  # [kh][kw][cin][cout] → [cout][cin][kh][kw]
            piece = piece.reshape(shape).permute(3, 2, 0, 1)
        t.copy_(piece.reshape(t.shape))
    if at != flat.numel():
        raise ValueError(f"{flat.numel()} parameters given, the net has {at}")


def param_count(weight_norm):
    """Length of our flat vector: kernels and biases, and one g per output channel with weight norm."""
    return sum(kh * kw * cin * cout + cout * (2 if weight_norm else 1) for kh, kw, cin, cout in KERNELS)

"""Any architecture of src/architecture.hpp in every model kind (regular, weightnorm, wn-mobn, batchnorm), in
PyTorch, functionally: the parameters are leaf tensors in wn-trainer's flat layout (src/model.cpp), so the
gradients come out in it too. Written from the papers and Keras' definitions, not from our C++: the golden
fixtures of make_golden_specs.py check the C++ against it.

Per weighted layer (Conv2D or Dense) in our layout:
  regular     [kernel][bias]                 y = φ(conv(x, kernel) + bias)
  weightnorm  [v][bias][g]                   w = g·v/‖v‖ per output channel (eq. 2), y = φ(conv(x, w) + bias)
  wn-mobn     [v][bias][g], state [mean]     hidden: t = conv(x, w), y = φ(t − μ_B[t] + bias) (§2.2); the
                                             output layer weight norm alone
  batchnorm   [kernel] [γ][β], state [mean][variance]
                                             hidden: y = φ(BN(conv(x, kernel))), no bias, Keras' momentum 0.99
                                             (PyTorch's 0.01) and ε 1e-3; the output layer [kernel][bias]
Kernels [kh][kw][cin][cout]; a Dense's covers its whole NHWC input (h, w, c), as after Keras' Flatten.
"""
import math
import re

import torch
import torch.nn.functional as F

PRESETS = {
    "lenet": "c6k5-p2-c16k5-p2-f-d120-d84-d10",
    "convpool-c": "lrelu-c96k3s-c96k3s-c96k3s-p2-c192k3s-c192k3s-c192k3s-p2-c192k3v-c192k1-c192k1-gap-d10",
}
MOBN_MOMENTUM = 0.9            # src/layers/mean_only_bn.hpp (openai/weightnorm's)
BN_MOMENTUM, BN_EPS = 0.99, 1e-3  # Keras' BatchNormalization defaults
VARIANCE_EPS = 1e-10           # TFA's data init


def layers_of(arch, width):
    """The spec as a list of ('conv', filters, k, same) / ('pool', k) / ('gap',) / ('dense', units), with the
    hidden activation, at width `width` (hidden filters and units × width, rounded half up, at least 1)."""
    tokens = PRESETS.get(arch, arch).split("-")
    act = "relu"
    if tokens[0] in ("relu", "lrelu"):
        act, tokens = tokens[0], tokens[1:]
    scale = lambda n, last: n if last else max(1, math.floor(n * width + 0.5))
    out = []
    for i, t in enumerate(tokens):
        last = i == len(tokens) - 1
        if m := re.fullmatch(r"c(\d+)k(\d+)([sv]?)", t):
            out.append(("conv", scale(int(m[1]), last), int(m[2]), m[3] == "s"))
        elif m := re.fullmatch(r"p(\d+)", t):
            out.append(("pool", int(m[1])))
        elif t == "gap":
            out.append(("gap",))
        elif m := re.fullmatch(r"d(\d+)", t):
            out.append(("dense", scale(int(m[1]), last)))
        elif t != "f":
            raise ValueError(t)
    return out, act


class SpecNet:
    """The net's tensors in our flat order, each with its role, and a functional forward."""

    def __init__(self, arch, width, kind, dtype=torch.float64):
        self.layers, act = layers_of(arch, width)
        self.act = (lambda x: F.leaky_relu(x, 0.1)) if act == "lrelu" else F.relu
        self.kind, self.dtype = kind, dtype
        self.weighted = []  # per weighted layer: dict of its tensors' (offset, shape) and what it is
        self.size = self.state_size = 0
        h = w = 32
        c = 3
        weighted = [l for l in self.layers if l[0] in ("conv", "dense")]
        for layer in self.layers:
            if layer[0] == "pool":
                h, w = h // layer[1], w // layer[1]
                continue
            if layer[0] == "gap":
                h = w = 1
                continue
            out_layer = layer is weighted[-1]
            if layer[0] == "conv":
                _, cout, k, same = layer
                shape = (k, k, c, cout)
                if not same:
                    h, w = h - k + 1, w - k + 1
            else:
                cout = layer[1]
                shape = (h, w, c, cout)
                h = w = 1
            c = cout
            entry = {"shape": shape, "dense": layer[0] == "dense", "same": layer[0] == "conv" and layer[2] == 3 and
                     layer[3], "pad": (layer[2] // 2) if layer[0] == "conv" and layer[3] else 0, "output": out_layer}
            names = {"regular": ["kernel", "bias"], "weightnorm": ["v", "bias", "g"], "wn-mobn": ["v", "bias", "g"],
                     "batchnorm": ["kernel"] + (["bias"] if out_layer else ["gamma", "beta"])}[kind]
            for name in names:
                n = math.prod(shape) if name in ("kernel", "v") else cout
                entry[name] = (self.size, n)
                self.size += n
            state = {"wn-mobn": ["mean"], "batchnorm": ["mean", "variance"]}.get(kind, []) if not out_layer else []
            for name in state:
                entry["state_" + name] = (self.state_size, cout)
                self.state_size += cout
            self.weighted.append(entry)

    def initial_state(self):
        s = torch.zeros(self.state_size, dtype=self.dtype)
        for e in self.weighted:
            if "state_variance" in e:
                at, n = e["state_variance"]
                s[at:at + n] = 1
        return s

    def tensor(self, flat, e, name):
        at, n = e[name]
        return flat[at:at + n]

    def kernel(self, flat, e):
        """The kernel as PyTorch wants it: [cout][cin][kh][kw] (Linear: [cout][cin·kh·kw], NCHW flatten)."""
        kh, kw, cin, cout = e["shape"]
        if "v" in e:
            v = self.tensor(flat, e, "v").reshape(kh * kw * cin, cout)
            g = self.tensor(flat, e, "g")
            k = v * (g / torch.sqrt(torch.clamp((v * v).sum(0), min=1e-12)))
        else:
            k = self.tensor(flat, e, "kernel")
        k = k.reshape(kh, kw, cin, cout).permute(3, 2, 0, 1)
        return k.reshape(cout, -1) if e["dense"] else k

    def linear(self, e, x, k, bias=None):
        if e["dense"]:
            return F.linear(torch.flatten(x, 1), k, bias)
        return F.conv2d(x, k, bias, padding=e["pad"])

    def forward(self, flat, state, x, train, data_init=False):
        """Logits for x (NCHW). In training, state is updated in place (moving statistics); with data_init, TFA's
        data init runs layer by layer first (flat is changed in place; no gradient)."""
        it = iter(self.weighted)
        for layer in self.layers:
            if layer[0] == "pool":
                x = F.max_pool2d(x, layer[1])
                continue
            if layer[0] == "gap":
                x = x.mean(dim=(2, 3), keepdim=True)
                continue
            e = next(it)
            if data_init:
                self.tfa_init(flat, e, x)
            k = self.kernel(flat, e)
            act = (lambda z: z) if e["output"] else self.act
            if self.kind == "wn-mobn" and not e["output"]:
                t = self.linear(e, x, k)
                dims = [0] + ([2, 3] if t.dim() == 4 else [])
                at, n = e["state_mean"]
                if train:
                    mu = t.mean(dim=dims)
                    with torch.no_grad():
                        state[at:at + n] = MOBN_MOMENTUM * state[at:at + n] + (1 - MOBN_MOMENTUM) * mu
                else:
                    mu = state[at:at + n]
                shape = (1, -1, 1, 1) if t.dim() == 4 else (1, -1)
                x = act(t - mu.reshape(shape) + self.tensor(flat, e, "bias").reshape(shape))
            elif self.kind == "batchnorm" and not e["output"]:
                t = self.linear(e, x, k)
                (am, n), (av, _) = e["state_mean"], e["state_variance"]
                if train:
                    # PyTorch's running variance averages the unbiased variance; Keras' the population one:
                    # the moving statistics are updated by hand, as Keras does.
                    dims = [0] + ([2, 3] if t.dim() == 4 else [])
                    var, mean = torch.var_mean(t, dim=dims, unbiased=False)
                    with torch.no_grad():
                        state[am:am + n] = BN_MOMENTUM * state[am:am + n] + (1 - BN_MOMENTUM) * mean
                        state[av:av + n] = BN_MOMENTUM * state[av:av + n] + (1 - BN_MOMENTUM) * var
                    y = F.batch_norm(t, None, None, self.tensor(flat, e, "gamma"), self.tensor(flat, e, "beta"),
                                     training=True, eps=BN_EPS)
                else:
                    y = F.batch_norm(t, state[am:am + n], state[av:av + n], self.tensor(flat, e, "gamma"),
                                     self.tensor(flat, e, "beta"), training=False, eps=BN_EPS)
                x = act(y)
            else:
                x = act(self.linear(e, x, k, self.tensor(flat, e, "bias")))
        return x

    @torch.no_grad()
    def tfa_init(self, flat, e, x):
        """TFA's data init of one weight-normalised layer on its input x: z = the layer with the unnormalised v,
        no bias; g ← g/√(var + 1e-10), bias ← −mean/√(var + 1e-10); with mean-only BN (hidden layers) the bias
        stays (the centring removes the mean)."""
        if "g" not in e:
            return
        kh, kw, cin, cout = e["shape"]
        v = self.tensor(flat, e, "v").reshape(kh, kw, cin, cout).permute(3, 2, 0, 1)
        z = self.linear(e, x, v.reshape(cout, -1) if e["dense"] else v)
        var, mean = torch.var_mean(z, dim=[d for d in range(z.dim()) if d != 1], unbiased=False)
        scale = 1 / torch.sqrt(var + VARIANCE_EPS)
        at, n = e["g"]
        flat[at:at + n] *= scale
        if not (self.kind == "wn-mobn" and not e["output"]):
            at, n = e["bias"]
            flat[at:at + n] = -mean * scale

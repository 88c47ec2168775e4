"""Writes the golden fixtures of tests/test_golden.cpp's architecture cases: one training step of LeNet with batch
norm, and of ConvPool-CNN-C (width 0.0625) in every model kind, in PyTorch (torch_specs.py), from fixed weights
on the real CIFAR-10 images make_golden.py saved (images.npy). Run by hand; CI only reads the files:
    /usr/bin/python3 tests/golden/make_golden_specs.py
Per case NAME: NAME_params_initial, NAME_params_init (weight norm's data init), NAME_loss (the training step's),
NAME_grads, NAME_params_step, NAME_state_step (moving statistics after the step), NAME_logits_eval (evaluation
after the step: its parameters and moving statistics). Float64, as make_golden.py (README.md).
"""
import pathlib
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.dont_write_bytecode = True
from make_golden import keras_adam_step
from torch_specs import SpecNet

HERE = pathlib.Path(__file__).resolve().parent
SEED = 1502_03167  # batch norm's arXiv number
CASES = [("lenet_batchnorm", "lenet", 1.0, "batchnorm", 32)] + [
    (f"convpool_c_{kind.replace('-', '_')}", "convpool-c", 0.0625, kind, 8)
    for kind in ("regular", "weightnorm", "wn-mobn", "batchnorm")]


def initial(net, rng):
    """Glorot-uniform kernels; small random biases, γ around 1 and β around 0 (not Keras' 0 and 1, so that each is
    seen); g = 1, TFA's initialiser, which the data init rescales."""
    p = np.zeros(net.size, np.float64)
    for e in net.weighted:
        kh, kw, cin, cout = e["shape"]
        fan_out = cout if e["dense"] else kh * kw * cout
        limit = np.sqrt(6 / (kh * kw * cin + fan_out))
        for name, lo, hi in (("kernel", -limit, limit), ("v", -limit, limit), ("bias", -0.1, 0.1), ("g", 1, 1),
                             ("gamma", 0.8, 1.2), ("beta", -0.1, 0.1)):
            if name in e:
                at, n = e[name]
                p[at:at + n] = rng.uniform(lo, hi, n)
    return p.astype(np.float32)


def one_step(net, params, images, labels):
    x32 = images.astype(np.float32) * (np.float32(1) / np.float32(255))
    x = torch.from_numpy(x32).to(net.dtype).permute(0, 3, 1, 2)
    flat = torch.from_numpy(params).to(net.dtype).clone()  # the data init writes into it
    out = {}
    if net.kind in ("weightnorm", "wn-mobn"):
        with torch.no_grad():
            net.forward(flat, net.initial_state(), x, train=True, data_init=True)
        out["params_init"] = flat.clone()
    state = net.initial_state()
    flat.requires_grad_(True)
    loss = F.cross_entropy(net.forward(flat, state, x, train=True), torch.from_numpy(labels).long())
    loss.backward()
    out["loss"] = loss.detach().reshape(1)
    out["grads"] = flat.grad.detach().clone()
    step = keras_adam_step(flat.detach(), out["grads"])
    out["params_step"] = step
    if net.state_size:
        out["state_step"] = state.clone()
    with torch.no_grad():
        out["logits_eval"] = net.forward(step, state, x, train=False)
    return {k: v.numpy() for k, v in out.items()}


def worst_error(net, key, a, b):
    """The C++ test's measure: max|a − b| / max|b| per tensor (each layer's kernel, bias, g, γ, β), the worst."""
    if key not in ("params_init", "grads", "params_step"):
        return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))
    pieces = [e[k] for e in net.weighted for k in ("kernel", "v", "bias", "g", "gamma", "beta") if k in e]
    return max(float(np.max(np.abs(a[at:at + n] - b[at:at + n])) / np.max(np.abs(b[at:at + n]))) for at, n in pieces)


def main():
    torch.set_num_threads(1)
    images, labels = np.load(HERE / "images.npy"), np.load(HERE / "labels.npy")
    rng = np.random.default_rng(SEED)
    print("float32 PyTorch against the float64 reference, max|Δ| / max|reference|, the worst tensor:")
    total = 0
    for name, arch, width, kind, n in CASES:
        net = SpecNet(arch, width, kind)
        params = initial(net, rng)
        ref = one_step(net, params, images[:n], labels[:n])
        f32 = one_step(SpecNet(arch, width, kind, torch.float32), params, images[:n], labels[:n])
        files = {"params_initial": params, **ref}
        for key, value in files.items():
            path = HERE / f"{name}_{key}.npy"
            np.save(path, value.astype(np.float32))
            total += path.stat().st_size
        for key in ref:
            print(f"  {name:<26} {key:<12} {worst_error(net, key, f32[key], ref[key]):.2e}")
        print(f"  {name:<26} loss {ref['loss'][0]:.6f}, {net.size} parameters, {net.state_size} state")
    print(f"wrote {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()

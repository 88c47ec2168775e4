"""Writes the golden fixtures of tests/test_golden.cpp: one training step of both nets in PyTorch, from fixed
weights on 32 real CIFAR-10 images, in wn-trainer's parameter layout. Run by hand (CI only reads the files):
    /usr/bin/python3 tests/golden/make_golden.py [--data data/cifar-10-batches-bin/data_batch_1.bin]
See README.md here for what is written and why the reference is computed in float64.
"""
import argparse
import pathlib
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.dont_write_bytecode = True  # no __pycache__ beside the fixtures in the checkout
from torch_nets import KERNELS, LeNet, from_ours, param_count, tfa_data_init, to_ours

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BATCH = 32
SEED = 1602_07868  # the paper's arXiv number

# tf.keras' Adam (src/optim/adam.cpp), one step from zero moments. torch.optim.Adam adds ε to the
# bias-corrected √v̂ instead, hence by hand.
LR, BETA_1, BETA_2, EPSILON = 1e-3, 0.9, 0.999, 1e-7


def cifar_batch(path, n):
    """The first n records of a CIFAR-10 .bin: label byte, then 1024 red, green, blue bytes; images as NHWC."""
    raw = np.fromfile(path, np.uint8, count=n * 3073).reshape(n, 3073)
    return np.ascontiguousarray(raw[:, 1:].reshape(n, 3, 32, 32).transpose(0, 2, 3, 1)), raw[:, 0].copy()


def initial_params(rng):
    """Regular layout [kernel][bias] per layer: Keras' Glorot-uniform kernels, and small random biases instead
    of Keras' zeros, so that the forward pass's bias is checked too."""
    parts = []
    for i, (kh, kw, cin, cout) in enumerate(KERNELS):
        conv = i < 2  # Dense's fan_in is the whole kernel, its fan_out only the units
        limit = np.sqrt(6 / (kh * kw * cin + (kh * kw * cout if conv else cout)))
        parts += [rng.uniform(-limit, limit, kh * kw * cin * cout), rng.uniform(-0.1, 0.1, cout)]
    return np.concatenate(parts).astype(np.float32)


def pieces(flat, weight_norm):
    """Our flat vector cut into its kernels, biases and g's, as the C++ test compares them."""
    at = 0
    for kh, kw, cin, cout in KERNELS:
        for n in (kh * kw * cin * cout, cout) + ((cout,) if weight_norm else ()):
            yield flat[at:at + n]
            at += n


def with_ones_g(params):
    """The weight-norm layout [v][bias][g] from the regular one: v and bias the same, g = 1 (TFA's initialiser)."""
    p = list(pieces(params, False))
    return np.concatenate([x for kernel, bias in zip(p[::2], p[1::2]) for x in (kernel, bias, np.ones_like(bias))])


def keras_adam_step(params, grads, t=1):
    m = (1 - BETA_1) * grads
    v = (1 - BETA_2) * grads * grads
    lr_t = LR * np.sqrt(1 - BETA_2**t) / (1 - BETA_1**t)
    return params - lr_t * m / (torch.sqrt(v) + EPSILON)


def one_step(weight_norm, params, images, labels, dtype):
    """Data init (weight norm), logits, mean loss, gradients and one Adam step, in dtype. Inputs are staged as
    Batch::stage does: float32(pixel) · float32(1/255), then widened to dtype, so both runs see the same numbers."""
    torch.manual_seed(0)  # LeNet's own init is overwritten; this only keeps the run reproducible
    net = LeNet(weight_norm).to(dtype)
    from_ours(net, torch.from_numpy(with_ones_g(params) if weight_norm else params).to(dtype))
    x32 = images.astype(np.float32) * (np.float32(1) / np.float32(255))
    x = torch.from_numpy(x32).to(dtype).permute(0, 3, 1, 2)  # NHWC → NCHW
    out = {}
    if weight_norm:
        tfa_data_init(net, x)
        out["params_init"] = to_ours(net)
    logits = net(x)
    loss = F.cross_entropy(logits, torch.from_numpy(labels).long())
    loss.backward()
    out["logits"], out["loss"] = logits.detach(), loss.detach().reshape(1)
    out["grads"] = to_ours(net, grads=True)
    out["params_step"] = keras_adam_step(to_ours(net), out["grads"])
    return {k: v.numpy() for k, v in out.items()}


def worst_error(a, b, weight_norm):
    """The C++ test's measure: max|a − b| / max|b| per piece (kernel, bias, g of each layer), the worst piece."""
    whole = lambda x: [x] if x.size != param_count(weight_norm) else pieces(x, weight_norm)
    return max(float(np.max(np.abs(p - q)) / np.max(np.abs(q))) for p, q in zip(whole(a), whole(b)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT / "data/cifar-10-batches-bin/data_batch_1.bin"))
    ap.add_argument("--out", default=str(HERE))
    args = ap.parse_args()
    torch.set_num_threads(1)
    images, labels = cifar_batch(args.data, BATCH)
    params = initial_params(np.random.default_rng(SEED))
    assert params.size == param_count(False)

    out = pathlib.Path(args.out)
    save = lambda name, a: np.save(out / f"{name}.npy", a)
    save("images", images)
    save("labels", labels)
    save("initial_params", params)
    print("float32 PyTorch against the float64 reference, max|Δ| / max|reference|:")
    for name, weight_norm in (("regular", False), ("weightnorm", True)):
        ref = one_step(weight_norm, params, images, labels, torch.float64)
        f32 = one_step(weight_norm, params, images, labels, torch.float32)
        for key, value in ref.items():
            save(f"{name}_{key}", value.astype(np.float32))
            print(f"  {name:<10} {key:<12} {worst_error(f32[key], value, weight_norm):.2e}")
        print(f"  {name:<10} loss {ref['loss'][0]:.6f}")
    total = sum(p.stat().st_size for p in out.glob("*.npy"))
    print(f"wrote {out}/*.npy, {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()

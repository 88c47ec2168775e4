"""Training steps of both nets in PyTorch, timed the way wn-bench times ours (bench/bench.cpp): batch 32,
Adam, 64 batches of random pixels taken in turn and staged as x/255 inside the step, 20 warm-up steps (the
weight-norm net's data init first), the best of 3 runs of N steps. scripts/bench.mjs runs it and reads the
lines, which have wn-bench's format.
    /usr/bin/python3 tests/golden/bench_torch.py [--steps N] [--threads T]
    /usr/bin/python3 tests/golden/bench_torch.py --arch convpool-c --width W [--steps N] [--threads T]
With --arch convpool-c: the paper's CIFAR-10 net (ConvPool-CNN-C, issue 20) in regular, batchnorm and weightnorm,
written as a PyTorch user would (nn.Conv2d, nn.BatchNorm2d, nn.utils.weight_norm), as `wn-bench --arch` times ours.
"""
import argparse
import math
import sys
import time

import torch
import torch.nn.functional as F

sys.dont_write_bytecode = True  # no __pycache__ beside the fixtures in the checkout
from torch import nn
from torch_nets import LeNet, tfa_data_init

BATCHES = 64


class ConvPoolC(nn.Module):
    """3 × (3×3 conv C1, same) → max-pool 2 → 3 × (3×3 conv C2, same) → max-pool 2 → 3×3 conv C2 (valid) →
    2 × 1×1 conv C2 → global average pooling → dense 10; leaky ReLU 0.1 after every hidden layer.
    C1 = 96·width, C2 = 192·width, rounded half up (src/architecture.cpp). kind: regular; batchnorm (the
    convolutions lose their bias, BatchNorm2d with Keras' momentum 0.99 = PyTorch's 0.01 and ε 1e-3 before the
    activation); weightnorm (every conv and the dense layer through nn.utils.weight_norm, w = g·v/‖v‖)."""

    def __init__(self, width, kind):
        super().__init__()
        c1, c2 = max(1, math.floor(96 * width + 0.5)), max(1, math.floor(192 * width + 0.5))
        plan = [(3, c1, 1), (c1, c1, 1), (c1, c1, 1), "pool", (c1, c2, 1), (c2, c2, 1), (c2, c2, 1), "pool",
                (c2, c2, 0), (c2, c2, "1x1"), (c2, c2, "1x1")]
        bn = kind == "batchnorm"
        wrap = (lambda m: nn.utils.weight_norm(m, dim=0)) if kind == "weightnorm" else (lambda m: m)
        layers = []
        for p in plan:
            if p == "pool":
                layers.append(nn.MaxPool2d(2))
                continue
            cin, cout, pad = p
            k = 1 if pad == "1x1" else 3
            layers.append(wrap(nn.Conv2d(cin, cout, k, padding=0 if pad == "1x1" else pad, bias=not bn)))
            if bn:
                layers.append(nn.BatchNorm2d(cout, eps=1e-3, momentum=0.01))
            layers.append(nn.LeakyReLU(0.1))
        self.features = nn.Sequential(*layers)
        self.dense = wrap(nn.Linear(c2, 10))

    def forward(self, x):
        return self.dense(self.features(x).mean(dim=(2, 3)))


def ms_per_step(kind, batch, steps, arch="lenet", width=1.0):
    gen = torch.Generator().manual_seed(3)
    images = torch.randint(0, 256, (BATCHES, batch, 3, 32, 32), dtype=torch.uint8, generator=gen)
    labels = torch.randint(0, 10, (BATCHES, batch), generator=gen)
    if arch == "lenet":
        net = LeNet(kind == "weightnorm")
        if kind == "weightnorm":
            with torch.no_grad():
                for layer in net.layers:
                    layer.weight_g.fill_(1.0)  # TFA's ones, then the data init on the first batch
            tfa_data_init(net, images[0].float() / 255)
    else:  # the data init costs once, not per step: left out here (and in wn-bench it runs before the timing)
        net = ConvPoolC(width, kind)
    # Keras' hyperparameters; PyTorch adds ε to the bias-corrected √v̂, which costs the same.
    adam = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)

    def step(i):
        x = images[i % BATCHES].float().div_(255)
        adam.zero_grad(set_to_none=True)
        F.cross_entropy(net(x), labels[i % BATCHES]).backward()
        adam.step()

    for i in range(20):
        step(i)
    best = math.inf
    for _ in range(3):  # the best of three: the cores are shared with whatever else runs
        t0 = time.perf_counter()
        for i in range(steps):
            step(i)
        best = min(best, time.perf_counter() - t0)
    return 1000 * best / steps


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--arch", choices=("lenet", "convpool-c"), default="lenet")
    ap.add_argument("--width", type=float, default=0.125)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} intra-op threads, Adam, float32")
    net = "" if args.arch == "lenet" else f"{args.arch}, width {args.width:g}: "
    print(f"{net}training steps (batch {args.batch}, best of 3 runs of {args.steps} steps after 20 warm-up):")
    kinds = ("regular", "weightnorm") if args.arch == "lenet" else ("regular", "batchnorm", "weightnorm")
    for name in kinds:
        ms = ms_per_step(name, args.batch, args.steps, args.arch, args.width)
        epoch = ms * math.ceil(50000 / args.batch) / 1000
        print(f"  {name:<10} {torch.get_num_threads()} thread(s): {ms:6.3f} ms/step  {1000 * args.batch / ms:7.0f} samples/s"
              f"  -> {epoch:5.2f} s per 50,000-image epoch", flush=True)


if __name__ == "__main__":
    main()

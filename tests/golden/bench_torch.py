"""Training steps of both nets in PyTorch, timed the way wn-bench times ours (bench/bench.cpp): batch 32,
Adam, 64 batches of random pixels taken in turn and staged as x/255 inside the step, 20 warm-up steps (the
weight-norm net's data init first), the best of 3 runs of N steps. scripts/bench.mjs runs it and reads the
lines, which have wn-bench's format.
    /usr/bin/python3 tests/golden/bench_torch.py [--steps N] [--threads T]
"""
import argparse
import math
import sys
import time

import torch
import torch.nn.functional as F

sys.dont_write_bytecode = True  # no __pycache__ beside the fixtures in the checkout
from torch_nets import LeNet, tfa_data_init

BATCHES = 64


def ms_per_step(weight_norm, batch, steps):
    gen = torch.Generator().manual_seed(3)
    images = torch.randint(0, 256, (BATCHES, batch, 3, 32, 32), dtype=torch.uint8, generator=gen)
    labels = torch.randint(0, 10, (BATCHES, batch), generator=gen)
    net = LeNet(weight_norm)
    if weight_norm:
        with torch.no_grad():
            for layer in net.layers:
                layer.weight_g.fill_(1.0)  # TFA's ones, then the data init on the first batch
        tfa_data_init(net, images[0].float() / 255)
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
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} intra-op threads, Adam, float32")
    print(f"training steps (batch {args.batch}, best of 3 runs of {args.steps} steps after 20 warm-up):")
    for name, weight_norm in (("regular", False), ("weightnorm", True)):
        ms = ms_per_step(weight_norm, args.batch, args.steps)
        epoch = ms * math.ceil(50000 / args.batch) / 1000
        print(f"  {name:<10} {torch.get_num_threads()} thread(s): {ms:6.3f} ms/step  {1000 * args.batch / ms:7.0f} samples/s"
              f"  -> {epoch:5.2f} s per 50,000-image epoch", flush=True)


if __name__ == "__main__":
    main()

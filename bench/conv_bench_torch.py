"""The convolutions wn-conv-bench times (bench/conv_bench.cpp), in PyTorch: ConvPool-CNN-C at width 0.25,
each distinct layer shape's forward (with ReLU) and backward (dx, except the first layer's, dW and db),
batch 32, the best of N timed runs after 3 untimed, the stack counting each shape as often as the net has
it. Prints lines in wn-conv-bench's format; scripts/bench.mjs --conv reads both.
    /usr/bin/python3 bench/conv_bench_torch.py [--threads T] [--batch B] [--reps N] [--width W]
"""
import argparse
import time

import torch
import torch.nn.functional as F


def convpool_c(width):
    c1, c2 = round(96 * width), round(192 * width)
    return [("conv1", 32, 3, c1, 3, "same", 1, False), ("conv2-3", 32, c1, c1, 3, "same", 2, True),
            ("conv4", 16, c1, c2, 3, "same", 1, True), ("conv5-6", 16, c2, c2, 3, "same", 2, True),
            ("conv7", 8, c2, c2, 3, "valid", 1, True), ("conv8-9", 6, c2, c2, 1, "valid", 2, True)]


def time_layer(size, cin, cout, k, padding, dx, batch, reps):
    gen = torch.Generator().manual_seed(5)
    conv = torch.nn.Conv2d(cin, cout, k, padding=k // 2 if padding == "same" else 0)
    x = torch.rand(batch, cin, size, size, generator=gen) * 2 - 1
    x.requires_grad_(dx)
    out = size if padding == "same" else size - k + 1
    dy = torch.rand(batch, cout, out, out, generator=gen) * 2 - 1
    best_f = best_b = float("inf")
    for r in range(3 + reps):
        x.grad = conv.weight.grad = conv.bias.grad = None
        t0 = time.perf_counter()
        y = F.relu(conv(x))
        t1 = time.perf_counter()
        y.backward(dy)
        t2 = time.perf_counter()
        if r >= 3:
            best_f, best_b = min(best_f, t1 - t0), min(best_b, t2 - t1)
    return 1000 * best_f, 1000 * best_b


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--width", type=float, default=0.25)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s), batch {args.batch}, "
          f"ConvPool-CNN-C width {args.width:g}, best of {args.reps}")
    print(f"  {'layer':8} {'shape':22} {'fwd ms':>9} {'bwd ms':>9} {'samples/s':>12} {'GFLOP/s':>8}")
    total_ms = total_flop = 0.0
    for name, size, cin, cout, k, padding, count, dx in convpool_c(args.width):
        f, b = time_layer(size, cin, cout, k, padding, dx, args.batch, args.reps)
        o = size if padding == "same" else size - k + 1
        flop = 2 * o * o * cout * k * k * cin * args.batch * (3 if dx else 2)
        shape = f"{size}x{size}x{cin}->{cout} k{k} {padding}"
        print(f"  {name:8} {shape:22} {f:9.3f} {b:9.3f} {args.batch * 1000 / (f + b):12.0f} {flop / (f + b) / 1e6:8.1f}")
        total_ms += count * (f + b)
        total_flop += count * flop
    print(f"  {'stack':8} {'all 9 convolutions':22} {'':>9} {'':>9} {args.batch * 1000 / total_ms:12.0f} "
          f"{total_flop / total_ms / 1e6:8.1f}")


if __name__ == "__main__":
    main()

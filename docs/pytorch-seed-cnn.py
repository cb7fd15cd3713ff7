# The article's seed CNN (binary, 600x200x3, 25,537 parameters) in PyTorch, timed like
# `toonvision bench infer --arch seed`: median wall ms of one crop and of a batch of 32.
# Usage: python3 docs/pytorch-seed-cnn.py [THREADS] [RUNS]   (Debian: apt-get install python3-torch)
import json, statistics, sys, time
import torch
from torch import nn

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 30
torch.set_num_threads(threads)
torch.set_grad_enabled(False)

model = nn.Sequential(
    nn.MaxPool2d(2),
    nn.Conv2d(3, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(32 * 35 * 10, 1), nn.Sigmoid(),
).eval()
assert sum(p.numel() for p in model.parameters()) == 25537


def timed(x, n):
    model(x / 255.0)
    model(x / 255.0)
    times = []
    c0 = time.process_time()
    for _ in range(n):
        t0 = time.perf_counter()
        model(x / 255.0)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), (time.process_time() - c0) * 1000 / n


one = torch.rand(1, 3, 600, 200) * 255
batch = torch.rand(32, 3, 600, 200) * 255
crop, crop_cpu = timed(one, runs)
b32, _ = timed(batch, max(3, -(-runs // 8)))
print(json.dumps({"runtime": "pytorch", "torch": torch.__version__, "threads": threads, "msPerCrop": round(crop, 3),
                  "cpuMsPerCrop": round(crop_cpu, 3), "msPerBatch32": round(b32, 3)}))

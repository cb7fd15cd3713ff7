#!/usr/bin/env bash
# Side-by-side runtime comparison, as measured for the README: ROUNDS rounds, each running every
# configuration once in turn (so a change in the machine's load hits all of them alike). One JSON line
# per run on stdout, tagged with "config". PyTorch runs where /usr/bin/python3 has torch.
# Usage: docs/compare-runtimes.sh [ROUNDS] [SECONDS] > runs.jsonl
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
seconds=${2:-10}
tv() { node bin/toonvision.js "$@" 2>/dev/null; }
tag() { python3 -c "import json,sys; r=json.loads(sys.stdin.read()); r['config']=sys.argv[1]; print(json.dumps(r))" "$1"; }
torch=false
/usr/bin/python3 -c 'import torch' 2>/dev/null && torch=true
for _ in $(seq "$rounds"); do
  tv bench infer --runtime tfjs --json | tag "infer seed tfjs"
  tv bench infer --runtime onnxruntime --threads 1 --json | tag "infer seed onnxruntime 1 thread"
  tv bench infer --runtime onnxruntime --threads 2 --json | tag "infer seed onnxruntime 2 threads"
  if $torch; then
    /usr/bin/python3 docs/pytorch-seed-cnn.py 1 | tag "infer seed pytorch 1 thread"
    /usr/bin/python3 docs/pytorch-seed-cnn.py 2 | tag "infer seed pytorch 2 threads"
  fi
  tv bench infer --arch fast --runtime tfjs --json | tag "infer fast tfjs"
  tv bench infer --arch fast --runtime onnxruntime --json | tag "infer fast onnxruntime"
  tv bench live --source demo --seconds "$seconds" --runtime tfjs --json | tag "live tfjs"
  tv bench live --source demo --seconds "$seconds" --runtime onnxruntime --json | tag "live onnxruntime 1 thread"
  TOONVISION_ORT_THREADS=2 tv bench live --source demo --seconds "$seconds" --runtime onnxruntime --json | tag "live onnxruntime 2 threads"
  tv bench live --source demo --seconds "$seconds" --interval 100 --runtime tfjs --json | tag "live@10fps tfjs"
  tv bench live --source demo --seconds "$seconds" --interval 100 --runtime onnxruntime --json | tag "live@10fps onnxruntime"
done

#!/usr/bin/env bash
# The live agent on a folder of moving frames (made by `toonvision bench frames`) on both inference
# runtimes (ONNX Runtime with 1 and 2 threads), in turn, ROUNDS times (a change in the machine's load hits both alike). One JSON line per
# run on stdout, tagged with "config" and the machine's load average when the run started.
# Usage: docs/compare-live-frames.sh DIR [ROUNDS] [SECONDS] [WARMUP] > runs.jsonl
#   e.g. toonvision bench frames --from ../shared/fixtures/real/sample_img0.png --out /tmp/frames-1080
#        docs/compare-live-frames.sh /tmp/frames-1080 3 20 15
# The warm-up must cover one pass through the folder: the first pass decodes the PNGs.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: docs/compare-live-frames.sh DIR [ROUNDS] [SECONDS] [WARMUP]}
rounds=${2:-3}
seconds=${3:-20}
warmup=${4:-15}
tag() { python3 -c "import json,sys; r=json.loads(sys.stdin.read()); r['config']=sys.argv[1]; r['load']=float(sys.argv[2]); print(json.dumps(r))" "$1" "$2"; }
load() { cut -d' ' -f1 /proc/loadavg; }
live() { node bin/toonvision.js bench live --source "folder:$dir" --seconds "$seconds" --warmup "$warmup" --json "$@" 2>/dev/null; }
for _ in $(seq "$rounds"); do
  l=$(load); live --runtime onnxruntime | tag "frames onnxruntime 1 thread" "$l"
  l=$(load); TOONVISION_ORT_THREADS=2 live --runtime onnxruntime | tag "frames onnxruntime 2 threads" "$l"
  l=$(load); live --runtime tfjs | tag "frames tfjs" "$l"
done

// `toonvision bench live`: placeholder until the live agent lands.
export interface LiveBenchOptions {
  source: string;
  seconds: number;
  models?: string;
}
export interface LiveBenchResult {
  frames: number;
  fps: number;
  latencyMs: { p50: number; p95: number };
  stagesMs: { capture: number; detect: number; classify: number; publish: number };
}
export async function runLiveBench(_opts: LiveBenchOptions): Promise<LiveBenchResult> {
  throw new Error('bench live is not implemented yet');
}

// Kernels the WASM backend lacks (or runs slowly), registered before the backend is used.
// TOONVISION_WASM_KERNELS=minimal registers only the missing ones (to measure what the replacements buy).
// TOONVISION_WASM_THREADS=N (N >= 2) loads the backend's threaded build with N XNNPACK threads.
import * as tfjs from '@tensorflow/tfjs';
import type { KernelConfig } from '@tensorflow/tfjs';
import { conv2dGradConfigs } from './kernels/conv2d-grad.ts';
import { depthwiseGradConfigs } from './kernels/depthwise-grad.ts';
import { gatherConfigs } from './kernels/gather.ts';
import { noCopyConfigs } from './kernels/no-copy.ts';
import { poolGradConfigs } from './kernels/pool-grad.ts';
import { sumLeadingConfigs } from './kernels/sum-leading.ts';
import { originalKernel } from './kernels/wasm-util.ts';
import { installThreadedWasm, wasmThreads } from './kernels/wasm-threads.ts';

let registered: string[] | undefined;

/** Names of the kernels we registered for 'wasm' (after registerWasmKernels()). */
export function registeredWasmKernels(): string[] {
  return registered ?? [];
}

export function registerWasmKernels(): void {
  if (registered) return;
  const minimal = process.env.TOONVISION_WASM_KERNELS === 'minimal';
  const configs: KernelConfig[] = [...conv2dGradConfigs(), ...depthwiseGradConfigs(), ...poolGradConfigs(), ...sumLeadingConfigs(), ...noCopyConfigs(), ...gatherConfigs()];
  registered = [];
  for (const config of configs) {
    const existing = originalKernel(config.kernelName);
    if (existing && minimal) continue;
    if (existing) tfjs.unregisterKernel(config.kernelName, 'wasm');
    tfjs.registerKernel(config);
    registered.push(config.kernelName);
  }
  const threads = Number(process.env.TOONVISION_WASM_THREADS ?? '1');
  if (Number.isInteger(threads) && threads >= 2) installThreadedWasm(threads);
}

/** Threads of the active backend's convolution pool (1 for cpu and single-threaded wasm). */
export function engineThreads(): number {
  return tfjs.getBackend() === 'wasm' ? wasmThreads() : 1;
}

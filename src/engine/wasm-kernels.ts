// Kernels the WASM backend lacks (or runs slowly), registered before the backend is used.
// Placeholder until the training kernels land.
export function registerWasmKernels(): void {}

// `toonvision export-onnx DIR`: adds model.onnx (for ONNX Runtime inference) to an existing model folder.
import type { Command } from 'commander';
import { initEngine, initInference } from '../engine/index.ts';
import { addOnnxToFolder } from '../model/folder.ts';
import { printJson } from './common.ts';

export function register(program: Command): void {
  program
    .command('export-onnx')
    .description('write model.onnx beside model.json in a model folder (classifiers, imported Keras models, the detector), checked against TensorFlow.js')
    .argument('<dir>', 'model folder (model.json + weights + metadata.json)')
    .option('--json', 'print one JSON document: {"dir","file","bytes","opset","maxDiff"}')
    .action(async (dir: string, opts: { json?: boolean }) => {
      await initEngine();
      await initInference();
      const r = await addOnnxToFolder(dir);
      if (opts.json) printJson(r);
      else process.stdout.write(`${r.file} (${r.bytes} bytes, opset ${r.opset}${r.maxDiff === null ? '; ONNX Runtime not loaded, not checked' : `; max difference from TensorFlow.js ${r.maxDiff.toExponential(2)}`})\n`);
    });
}

// `toonvision export-onnx DIR`: adds model.onnx (for ONNX Runtime inference) to an existing model folder.
import type { Command } from 'commander';
import { initEngine, initInference } from '../engine/index.ts';
import { addOnnxToNanodetFolder } from '../detect/nanodet-runtime.ts';
import { checkNanodetInfo, isNanodetMetadata } from '../detect/pretrained.ts';
import { addOnnxToFolder, readMetadata } from '../model/folder.ts';
import { printJson } from './common.ts';

export function register(program: Command): void {
  program
    .command('export-onnx')
    .description('write model.onnx beside model.json in a model folder (classifiers, imported Keras models, our detector, the pretrained NanoDet graph), checked against TensorFlow.js')
    .argument('<dir>', 'model folder (model.json + weights + metadata.json)')
    .option('--json', 'print one JSON document: {"dir","file","bytes","opset","maxDiff"}')
    .action(async (dir: string, opts: { json?: boolean }) => {
      await initEngine();
      await initInference();
      const meta = await readMetadata(dir);
      const r = isNanodetMetadata(meta) ? await addOnnxToNanodetFolder(dir, checkNanodetInfo(dir, meta).inputSize) : await addOnnxToFolder(dir);
      if (opts.json) printJson(r);
      else process.stdout.write(`${r.file} (${r.bytes} bytes, opset ${r.opset}${r.maxDiff === null ? '; ONNX Runtime not loaded, not checked' : `; max difference from TensorFlow.js ${r.maxDiff.toExponential(2)}`})\n`);
    });
}

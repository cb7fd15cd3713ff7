// The package that `npm pack` makes: what it holds (bin, the built dist/, the pages, the shipped models)
// and what it leaves out (sources, tests, scripts, model plots, anything of ../shared or the game's
// files); unpacked alone beside the project's node_modules, its `toonvision` runs dist/ (no src/, no
// tsx) and predicts a scene with the models inside. docs/install.md has the full check from the registry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderScene } from '../src/synth/index.ts';
import { ROOT, tempDir } from './helpers.ts';

interface PackReport {
  filename: string;
  files: { path: string; size: number }[];
}

test('npm pack: the built package holds what runs and nothing else, and runs from an empty folder', { timeout: 600_000 }, async () => {
  const t = await tempDir('toonvision-pack-');
  try {
    const npm = spawnSync('npm', ['pack', '--json', '--pack-destination', t.dir], { cwd: ROOT, encoding: 'utf8', timeout: 400_000 });
    assert.equal(npm.status, 0, npm.stderr);
    const report = (JSON.parse(npm.stdout) as PackReport[])[0]!;
    const files = report.files.map((f) => f.path);
    assert.equal(existsSync(path.join(ROOT, 'dist')), false, 'postpack leaves no dist/ in the checkout');

    for (const f of [
      'package.json',
      'README.md',
      'bin/toonvision.js',
      'dist/cli.js',
      'dist/errors.js',
      'dist/desktop/electron-app.js',
      'dist/publish/protocol.js',
      'dist/render/page/index.html',
      'dist/render/page/scene.js',
      'overlay/index.html',
      'overlay/label.html',
      'overlay/label/page.js',
      'overlay/label/geometry.js',
      'overlay/protocol.js',
      'overlay/electron/main.cjs',
      'overlay/electron/boot.cjs',
      'docs/onnx-runtime.md',
    ]) {
      assert.ok(files.includes(f), `the package has ${f}`);
    }
    for (const task of ['binary', 'suit', 'name', 'animal', 'detector']) {
      for (const f of ['model.json', 'metadata.json']) assert.ok(files.includes(`models/demo/${task}/${f}`), `shipped model ${task}/${f}`);
    }
    // Every module of src/ is built; nothing of the checkout's own tooling goes along.
    const srcModules = spawnSync('git', ['ls-files', 'src'], { cwd: ROOT, encoding: 'utf8' }).stdout.split('\n').filter((f) => f.endsWith('.ts'));
    for (const m of srcModules) assert.ok(files.includes(m.replace(/^src\//, 'dist/').replace(/\.ts$/, '.js')), `${m} is built`);
    const unwanted = files.filter((f) =>
      /^(src|test|scripts|captures|node_modules|\.ci)\//.test(f) ||
      /\.(ts|bam|mf|rgb|ttf|h5|keras)$/i.test(f) ||
      /(^|\/)phase_\d/.test(f) ||
      /\.png$/i.test(f) ||
      f.includes('shared/') ||
      f.startsWith('models/') && !f.startsWith('models/demo/'),
    );
    assert.deepEqual(unwanted, [], 'nothing the product does not run');
    const size = report.files.reduce((n, f) => n + f.size, 0);
    // 20 MB before the game readers and the renderer (dist/game, dist/render) and the nametag reader
    // (models/demo/nametag, 1.8 MB) joined the package.
    assert.ok(size < 24 * 1024 * 1024, `unpacked ${(size / 1048576).toFixed(1)} MB`);

    // Unpacked alone: bin/toonvision.js finds no src/ and runs dist/ with plain Node.
    const tgz = path.join(t.dir, report.filename);
    const tar = spawnSync('tar', ['-xzf', tgz, '-C', t.dir], { encoding: 'utf8' });
    assert.equal(tar.status, 0, tar.stderr);
    const pkg = path.join(t.dir, 'package');
    assert.equal(existsSync(path.join(pkg, 'src')), false);
    await symlink(path.join(ROOT, 'node_modules'), path.join(pkg, 'node_modules'), 'dir');
    const run = (args: string[]) => spawnSync(process.execPath, [path.join(pkg, 'bin', 'toonvision.js'), ...args], { cwd: t.dir, encoding: 'utf8', timeout: 180_000, env: { ...process.env, NODE_OPTIONS: '' } });
    const version = run(['--version']);
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout.trim(), JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
    const frame = path.join(t.dir, 'frame.png');
    await writeFile(frame, (await renderScene({ seed: 11, index: 0, width: 400, height: 300 })).png);
    const p = run(['predict', '--json', frame]);
    assert.equal(p.status, 0, p.stderr);
    const out = JSON.parse(p.stdout) as { width: number; detections: { label: string }[] };
    assert.equal(out.width, 400);
    assert.ok(out.detections.length > 0, 'the shipped models find the scene\'s characters');
    assert.doesNotMatch(p.stderr, /tsx/);
  } finally {
    await t.cleanup();
  }
});

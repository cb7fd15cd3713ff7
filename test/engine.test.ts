import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './helpers.ts';

const cli = path.join(ROOT, 'bin', 'toonvision.js');

function doctor(env: Record<string, string>) {
  const r = spawnSync(process.execPath, [cli, 'doctor', '--json'], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return r;
}

test('doctor --json reports the backend it loaded and every attempt', () => {
  const r = doctor({ TOONVISION_BACKEND: '' });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.ok(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'].includes(report.backend));
  const last = report.backendsTried.at(-1);
  assert.equal(last.name, report.backend);
  assert.equal(last.ok, true);
  for (const t of report.backendsTried.slice(0, -1)) {
    assert.equal(t.ok, false);
    assert.ok(t.reason.length > 0);
  }
});

test('TOONVISION_BACKEND forces a backend', () => {
  const r = doctor({ TOONVISION_BACKEND: 'cpu' });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.backend, 'cpu');
  assert.deepEqual(report.backendsTried.map((t: { name: string }) => t.name), ['cpu']);
});

test('an unknown TOONVISION_BACKEND is one clear error, exit 1', () => {
  const r = doctor({ TOONVISION_BACKEND: 'quantum' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /TOONVISION_BACKEND='quantum'/);
  assert.equal(r.stdout, '');
});

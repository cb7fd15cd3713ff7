import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCliSync } from './helpers.ts';

const doctor = (env: Record<string, string>) => runCliSync(['doctor', '--json'], { env: { ...process.env, ...env } });

test('doctor --json reports the backend it loaded and every attempt', () => {
  const r = doctor({ TOONVISION_BACKEND: '' });
  assert.equal(r.code, 0, r.stderr);
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
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.backend, 'cpu');
  assert.deepEqual(report.backendsTried.map((t: { name: string }) => t.name), ['cpu']);
});

test('an unknown TOONVISION_BACKEND is one clear error, exit 1', () => {
  const r = doctor({ TOONVISION_BACKEND: 'quantum' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /TOONVISION_BACKEND='quantum'/);
  assert.equal(r.stdout, '');
});

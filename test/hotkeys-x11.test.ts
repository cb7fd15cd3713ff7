// Global hotkeys through node-global-key-listener's X11 key server, driven by real key events
// (`xdotool key`), and the polite failure where no hotkey can be installed.
import assert from 'node:assert/strict';
import { accessSync, constants } from 'node:fs';
import { describe, it } from 'node:test';
import { checkKeyName, keyServerPath, startHotkeys } from '../src/hotkeys.ts';
import { needDisplay, needProgram } from './helpers.ts';
import { until, xdotool } from './agent-helpers.ts';

describe('hotkeys', () => {
  it('accepts key names and names a bad one', () => {
    assert.equal(checkKeyName('f9'), 'F9');
    assert.equal(checkKeyName('F24'), 'F24');
    assert.throws(() => checkKeyName('F25'), /hotkey 'F25' is not a key name/);
    assert.throws(() => checkKeyName('ctrl+shift'), /is not a key name/);
  });

  it('makes the key server executable before starting it', { skip: process.platform === 'win32' ? 'POSIX permission bits only' : false }, () => {
    const s = keyServerPath();
    assert.ok(s.file, s.reason);
    accessSync(s.file, constants.X_OK);
  });

  it('says why, instead of crashing, when there is no display', { skip: process.platform !== 'linux' ? 'X11 only' : false }, async () => {
    const saved = process.env.DISPLAY;
    try {
      delete process.env.DISPLAY;
      const r = await startHotkeys([{ key: 'F9', action: () => {} }]);
      assert.equal(r.ok, false);
      assert.match((r as { reason: string }).reason, /DISPLAY/);
      // A display that does not exist: the key server starts, fails, and that is reported.
      process.env.DISPLAY = ':4242';
      const r2 = await startHotkeys([{ key: 'F9', action: () => {} }]);
      assert.equal(r2.ok, false);
      assert.match((r2 as { reason: string }).reason, /exited|display/i);
    } finally {
      if (saved === undefined) delete process.env.DISPLAY;
      else process.env.DISPLAY = saved;
    }
  });

  it('calls the action of each configured key once per press under X11 (F7, F8: the agent tests own F9)', { skip: needDisplay() || needProgram('xdotool') }, async () => {
    const pressed: string[] = [];
    const r = await startHotkeys([
      { key: 'F7', action: () => pressed.push('capture') },
      { key: 'F8', action: () => pressed.push('pause') },
    ]);
    assert.ok(r.ok, r.ok ? '' : r.reason);
    try {
      xdotool('key', 'F7');
      await until(() => pressed.length >= 1, 10000, 'F7');
      xdotool('key', 'F8');
      xdotool('key', 'a'); // not bound: ignored
      xdotool('key', 'F7');
      await until(() => pressed.length >= 3, 10000, 'F8 and F7');
      await new Promise((res) => setTimeout(res, 200));
      assert.deepEqual(pressed, ['capture', 'pause', 'capture']);
    } finally {
      r.hotkeys.stop();
    }
  });
});

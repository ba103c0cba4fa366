import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Cancel } from '../src/gateway/relay/cancel.js';

describe("Cancel (a request's cancellation, undici's signal)", () => {
  it('pause: true when the time passes, false when cancelled first or already; no listener left behind', async () => {
    const cancel = new Cancel();
    expect(await cancel.pause(1)).toBe(true);
    const waiting = cancel.pause(60_000);
    cancel.abort();
    expect(await waiting).toBe(false);
    expect(await cancel.pause(60_000)).toBe(false);
    expect(cancel.listenerCount('abort')).toBe(0);
  });

  it('until: resolves on the event, rejects when cancelled first; each side drops its listener', async () => {
    const cancel = new Cancel();
    const socket = new EventEmitter();
    const drained = cancel.until(socket, 'drain');
    socket.emit('drain');
    await drained;
    expect([cancel.listenerCount('abort'), socket.listenerCount('drain')]).toEqual([0, 0]);
    const never = cancel.until(socket, 'drain');
    cancel.abort();
    await expect(never).rejects.toThrow('cancelled');
    expect(socket.listenerCount('drain')).toBe(0);
    await expect(cancel.until(socket, 'drain')).rejects.toThrow('cancelled');
  });

  it('aborts once: its listeners hear it one time', () => {
    const cancel = new Cancel();
    let heard = 0;
    cancel.on('abort', () => heard++);
    cancel.abort();
    cancel.abort();
    expect([cancel.aborted, heard]).toEqual([true, 1]);
  });
});

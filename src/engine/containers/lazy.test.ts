import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LazyContainerService } from './lazy.js';
import type { ContainerEvent, ContainerService } from './types.js';

/** A stand-in with the two calls the test makes; the rest is never reached. */
function fakeService(): { service: ContainerService; emit(event: ContainerEvent): void; listeners: Set<(e: ContainerEvent) => void> } {
  const listeners = new Set<(e: ContainerEvent) => void>();
  const service = {
    list: async () => [],
    onEvent: (listener: (e: ContainerEvent) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as unknown as ContainerService;
  return { service, listeners, emit: (event) => listeners.forEach((l) => l(event)) };
}

const event = (action: string): ContainerEvent => ({ type: 'container', action, id: 'c1', attributes: {}, time: new Date(0) });

test('the lazy container service opens once, on the first call, and carries listeners over', async () => {
  const fake = fakeService();
  let opens = 0;
  const lazy = new LazyContainerService(async () => {
    opens++;
    return fake.service;
  });
  const seen: string[] = [];
  const early = lazy.onEvent((e) => seen.push(`early:${e.action}`));
  const dropped = lazy.onEvent((e) => seen.push(`dropped:${e.action}`));
  dropped();
  assert.equal(opens, 0, 'nothing opens for a listener');
  await Promise.all([lazy.list(), lazy.list({ all: true })]);
  assert.equal(opens, 1);
  const late = lazy.onEvent((e) => seen.push(`late:${e.action}`));
  await lazy.list();
  fake.emit(event('start'));
  early();
  late();
  fake.emit(event('die'));
  assert.deepEqual(seen, ['early:start', 'late:start']);
  assert.equal(fake.listeners.size, 0, 'every listener detached');
});

test('a failure to open reaches the caller', async () => {
  const lazy = new LazyContainerService(async () => {
    throw new Error('no runtime');
  });
  await assert.rejects(lazy.list(), /no runtime/);
});

import { DomainError } from '@facegate/common';
import { keyFromProtocols, parseClientMessage, type StreamSettings } from './stream-protocol';

const current: StreamSettings = { op: 'recognize', collection: 'lobby' };
const text = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof DomainError ? error.code : 'not coded';
  }
  return 'accepted';
};

describe('stream protocol', () => {
  it('reads a binary frame as a big-endian sequence number and the image bytes, with the connection settings', () => {
    const message = parseClientMessage(Buffer.from([0, 0, 1, 2, 0xff, 0xd8]), true, current);
    expect(message).toEqual({ type: 'frame', frame: { seq: 258, image: Buffer.from([0xff, 0xd8]), settings: current } });
    expect(codeOf(() => parseClientMessage(Buffer.from([0, 0, 0, 1]), true, current))).toBe('VALIDATION_FAILED');
  });

  it("reads a JSON frame; its own fields override the connection's settings for that frame only", () => {
    expect(parseClientMessage(text({ type: 'frame', seq: 3, image: 'abc' }), false, current)).toEqual({
      type: 'frame',
      frame: { seq: 3, image: 'abc', settings: current },
    });
    const own = parseClientMessage(text({ type: 'frame', seq: 4, image: 'abc', op: 'detect', topK: 3 }), false, current);
    expect(own).toEqual({ type: 'frame', frame: { seq: 4, image: 'abc', settings: { op: 'detect', collection: 'lobby', topK: 3 } } });
  });

  it('refuses what HTTP would refuse, with VALIDATION_FAILED', () => {
    for (const bad of [
      'not json',
      [],
      { seq: 1 },
      { type: 'frame', seq: -1, image: 'a' },
      { type: 'frame', seq: 1.5, image: 'a' },
      { type: 'frame', seq: 1, image: '' },
      { type: 'frame', seq: 1, image: 'a', op: 'delete' },
      { type: 'frame', seq: 1, image: 'a', collection: 'Bad Name' },
      { type: 'frame', seq: 1, image: 'a', threshold: 1.5 },
      { type: 'frame', seq: 1, image: 'a', topK: 0 },
      { type: 'frame', seq: 1, image: 'a', topK: 51 },
      { type: 'frame', seq: 1, image: 'a', extra: true },
      { type: 'config', op: 'detect', smallFaces: 'yes' },
      { type: 'auth', key: '' },
      { type: 'challenge', collection: 'Bad Name' },
      { type: 'challenge', collection: 7 },
      { type: 'challenge', steps: ['blink'] },
      { type: 'shutdown' },
    ]) {
      expect([bad, codeOf(() => parseClientMessage(text(bad), false, current))]).toEqual([bad, 'VALIDATION_FAILED']);
    }
  });

  it('takes a config message over the current op, and the API key from a facegate.key.* subprotocol', () => {
    expect(parseClientMessage(text({ type: 'config', collection: 'gate' }), false, current)).toEqual({
      type: 'config',
      settings: { op: 'recognize', collection: 'gate' },
    });
    expect(keyFromProtocols(['facegate.v1', 'facegate.key.fg_ab12cd34_secret'])).toBe('fg_ab12cd34_secret');
    expect(parseClientMessage(text({ type: 'challenge', collection: 'gate' }), false, current)).toEqual({ type: 'challenge', collection: 'gate' });
    expect(parseClientMessage(text({ type: 'challenge' }), false, current)).toEqual({ type: 'challenge', collection: undefined });
    expect(keyFromProtocols(['facegate.v1'])).toBeUndefined();
    expect(keyFromProtocols(['facegate.key.'])).toBeUndefined();
  });
});

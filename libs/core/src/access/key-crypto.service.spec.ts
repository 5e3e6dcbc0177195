import { KeyCryptoService } from './key-crypto.service';

describe('KeyCryptoService', () => {
  const crypto = new KeyCryptoService();

  it('generates distinct keys whose public prefix is readable from the key', () => {
    const a = crypto.generate();
    const b = crypto.generate();
    expect(a).not.toBe(b);
    expect(a).toMatch(/^fg_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(crypto.prefixOf(a)).toBe(a.slice(3, 11));
  });

  it('derives a prefix from the hash for operator-chosen keys, never from the key text', () => {
    const key = 'my-own-secret-key-123456';
    expect(crypto.prefixOf(key)).toMatch(/^h[0-9a-f]{11}$/);
    expect(crypto.prefixOf(key)).not.toContain('my-own');
  });

  it('compares hashes exactly', () => {
    const h = crypto.hash('secret-one-secret-one');
    expect(crypto.sameHash(h, crypto.hash('secret-one-secret-one'))).toBe(true);
    expect(crypto.sameHash(h, crypto.hash('secret-two-secret-two'))).toBe(false);
    expect(crypto.sameHash(h, 'abcd')).toBe(false);
  });
});

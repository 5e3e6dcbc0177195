import { validate } from 'class-validator';
import { HasPlainKeys, IsPlainText, isPlainText } from './plain-text.validator';

class Probe {
  @IsPlainText()
  name!: string;

  @HasPlainKeys()
  metadata?: object;
}

describe('plain text', () => {
  it.each([
    ['a right-to-left override', 'Admin\u202Enimda'],
    ['a bidi isolate', 'a\u2066b\u2069'],
    ['a zero-width space', 'ad\u200Bmin'],
    ['a byte order mark', '\uFEFFAda'],
    ['a control character', 'Ada\u0007'],
    ['a line separator', 'Ada\u2028Lovelace'],
    ['a C1 control', 'Ada\u0085'],
    ['a Hangul filler that renders as nothing', 'Admin\u3164'],
    ['a half-width Hangul filler', 'Admin\uFFA0'],
    ['a combining grapheme joiner', 'Ad\u034Fmin'],
    ['a braille blank', 'Admin\u2800'],
    ['a soft hyphen', 'Ad\u00ADmin'],
  ])('refuses %s', (_what, text) => {
    expect(isPlainText(text)).toBe(false);
  });

  it.each(['Ada Lovelace', 'Zoë Ñúñez', '李小龍', 'محمد', 'می\u200Cخواهم', '👩\u200D💻', '❤\uFE0F Ada', "O'Brien-Smith (3rd)"])('accepts %s', (text) => {
    expect(isPlainText(text)).toBe(true);
  });

  it('checks names and metadata keys at every depth as DTO rules', async () => {
    const ok = Object.assign(new Probe(), { name: 'Ada', metadata: { team: { lead: 'x\u202E' } } });
    expect(await validate(ok)).toHaveLength(0);
    const badName = Object.assign(new Probe(), { name: 'Admin\u202Enimda' });
    expect((await validate(badName)).map((e) => e.property)).toEqual(['name']);
    const badKey = Object.assign(new Probe(), { name: 'Ada', metadata: { team: [{ ['le\u202Ead']: 1 }] } });
    expect((await validate(badKey)).map((e) => e.property)).toEqual(['metadata']);
  });
});

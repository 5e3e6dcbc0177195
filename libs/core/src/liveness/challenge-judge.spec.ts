import { advance, ChallengeProgress, ChallengeStep, classifyFrame, drawChallenge, FrameMeasures, Gesture, isFrontal } from './challenge-judge';
import { median, seededRandom } from '@facegate/face-engine';

// Measures the engine returned for real photos of ../shared/faces (yaw, pitch, eye opening, mouth width).
const m = (yaw: number, pitch: number, eyeOpening: number, mouthWidth: number): FrameMeasures => ({ yaw, pitch, eyeOpening, mouthWidth });
const webcam = {
  frontal: m(-0.6, 1.5, 0.241, 0.756), // live/028.jpg
  left: m(39, -11.4, 0.358, 0.754), // live/029.jpg: head turned to the subject's left
  right: m(-22, -0.9, 0.299, 0.775), // live/035.jpg
  up: m(6.9, -16.5, 0.211, 0.945), // live/032.jpg
  slightTurn: m(14.3, -6.6, 0.313, 0.757), // live/026.jpg
};
const rumsfeld = { frontal: m(-0.1, 1.7, 0.234, 0.906), eyesShut: m(5.2, 9.9, 0.15, 0.827), lookingDown: m(-7.7, 19.1, 0.188, 1.105) };
const powell = { frontal: m(6.5, -3.6, 0.198, 0.748), smiling: m(1.2, 2.5, 0.137, 1.07) };
const settings = { turnDegrees: 18, lookUpDegrees: 12 };

describe('classifyFrame', () => {
  it.each<[string, FrameMeasures, FrameMeasures, Gesture]>([
    ['the anchor itself', webcam.frontal, webcam.frontal, 'neutral'],
    ['a turn to the left', webcam.frontal, webcam.left, 'turn_left'],
    ['a turn to the right', webcam.frontal, webcam.right, 'turn_right'],
    ['looking up', webcam.frontal, webcam.up, 'look_up'],
    ['a half turn', webcam.frontal, webcam.slightTurn, 'transition'],
    ['nearly shut eyes', rumsfeld.frontal, rumsfeld.eyesShut, 'blink'],
    ['a broad smile (squinting eyes too: the smile wins)', powell.frontal, powell.smiling, 'smile'],
    ['a wide mouth while looking down (not an expression reading)', rumsfeld.frontal, rumsfeld.lookingDown, 'transition'],
  ])('%s', (_name, anchor, frame, expected) => {
    expect(classifyFrame(anchor, frame, settings)).toBe(expected);
  });

  it('measures turns relative to the anchor, not to the camera', () => {
    const turnedAnchor = m(15, 0, 0.3, 0.8);
    expect(classifyFrame(turnedAnchor, m(22, 0, 0.3, 0.8), settings)).toBe('neutral');
    expect(classifyFrame(turnedAnchor, m(-5, 0, 0.3, 0.8), settings)).toBe('turn_right');
  });

  it('does not read the upward drift of a turned head as looking up', () => {
    expect(classifyFrame(webcam.frontal, m(12, -14, 0.3, 0.76), settings)).toBe('transition');
  });

  it('takes its thresholds from the settings', () => {
    expect(classifyFrame(webcam.frontal, webcam.right, { ...settings, turnDegrees: 25 })).not.toBe('turn_right');
  });
});

describe('advance', () => {
  const run = (challenge: ChallengeStep[], gestures: Gesture[]) => {
    let progress: ChallengeProgress = { completed: 0, holding: null };
    for (const g of gestures) {
      const outcome = advance(challenge, progress, g);
      if (outcome.kind === 'wrong_step') return outcome;
      progress = outcome.progress;
    }
    return progress;
  };

  it('completes the steps in the asked order, holding poses over several frames', () => {
    expect(run(['turn_left', 'turn_right', 'blink'], ['neutral', 'turn_left', 'turn_left', 'transition', 'neutral', 'turn_right', 'neutral', 'blink'])).toEqual(
      {
        completed: 3,
        holding: 'blink',
      },
    );
  });

  it('fails when a head movement comes out of order', () => {
    expect(run(['turn_left', 'turn_right'], ['neutral', 'turn_right', 'turn_left'])).toEqual({ kind: 'wrong_step', expected: 'turn_left', saw: 'turn_right' });
  });

  it('fails when the pose just done comes back instead of the next one', () => {
    expect(run(['turn_left', 'look_up'], ['turn_left', 'neutral', 'turn_left'])).toMatchObject({ kind: 'wrong_step', expected: 'look_up', saw: 'turn_left' });
  });

  it('ignores spontaneous blinks and smiles that were not asked for', () => {
    expect(run(['turn_left', 'turn_right'], ['blink', 'turn_left', 'smile', 'turn_right'])).toEqual({ completed: 2, holding: 'turn_right' });
  });

  it('stays incomplete when nothing happens (a still photo)', () => {
    expect(run(['turn_left', 'blink'], ['neutral', 'neutral', 'neutral'])).toEqual({ completed: 0, holding: null });
  });

  it('ignores frames after the last step', () => {
    expect(run(['look_up'], ['look_up', 'turn_right'])).toEqual({ completed: 1, holding: 'look_up' });
  });
});

describe('drawChallenge', () => {
  it('draws the asked number of steps from the allowed ones, never one step twice in a row', () => {
    let seed = 7;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 200; i++) {
      const steps = drawChallenge(['turn_left', 'turn_right', 'blink'], 4, random);
      expect(steps).toHaveLength(4);
      steps.forEach((s, j) => {
        expect(['turn_left', 'turn_right', 'blink']).toContain(s);
        if (j > 0) expect(s).not.toBe(steps[j - 1]);
      });
    }
  });

  it('always holds a head movement when the allowed steps offer one', () => {
    let seed = 11;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 300; i++) {
      const steps = drawChallenge(['blink', 'smile', 'look_up'], 2, random);
      expect(steps.some((s) => s === 'look_up')).toBe(true);
      expect(steps[0]).not.toBe(steps[1]);
    }
    // The draw of expressions only is corrected at a random position.
    expect(drawChallenge(['blink', 'smile', 'turn_left'], 2, (n) => (n === 2 ? 0 : 0))).toEqual(['turn_left', 'smile']);
  });

  it('uses the random source for every choice', () => {
    // turn_left, turn_right, turn_left drawn; no look-up among them, so position randomInt(3) = 0 becomes one.
    expect(drawChallenge(['turn_left', 'turn_right', 'look_up'], 3, () => 0)).toEqual(['look_up', 'turn_right', 'turn_left']);
    expect(drawChallenge(['turn_left', 'turn_right', 'look_up'], 3, (n) => n - 1)).toEqual(['look_up', 'turn_right', 'look_up']);
  });

  it('puts a look-up in every challenge where look_up is allowed (the movement an edited photo cannot fake), never twice in a row', () => {
    const seeded = seededRandom(7);
    for (let i = 0; i < 2000; i++) {
      const length = 1 + (i % 4);
      const steps = drawChallenge(['turn_left', 'turn_right', 'look_up', 'blink', 'smile'], length, (n) => Math.floor(seeded() * n));
      expect(steps).toHaveLength(length);
      expect(steps).toContain('look_up');
      for (let k = 1; k < steps.length; k++) expect(steps[k]).not.toBe(steps[k - 1]);
    }
    // Without look_up allowed, turns alone as before.
    expect(drawChallenge(['turn_left', 'turn_right'], 3, () => 0)).toEqual(['turn_left', 'turn_right', 'turn_left']);
  });
});

describe('isFrontal and median', () => {
  it('accepts a roughly frontal anchor only', () => {
    expect(isFrontal(webcam.frontal)).toBe(true);
    expect(isFrontal(webcam.left)).toBe(false);
  });

  it('takes the median of the passive scores', () => {
    expect(median([0.9, 0.1, 0.2])).toBe(0.2);
    expect(median([0.1, 0.3])).toBeCloseTo(0.2);
    expect(median([])).toBeNull();
  });
});

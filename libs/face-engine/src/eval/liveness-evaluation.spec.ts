import { livenessReport, sessionMedians } from './liveness-evaluation';

const frames = (kind: string, scores: number[]) => scores.map((score) => ({ kind, score }));

describe('the liveness report', () => {
  const input = {
    live: [...frames('video_frame', [0.02, 0.1, 0.2, 0.3, 0.4, 0.5]), ...frames('face_crop', [0.01, 0.9])],
    spoof: [...frames('video_frame', [0.001, 0.002, 0.003, 0.004, 0.005, 0.3]), ...frames('face_crop', [0.5, 0.6])],
    noFace: 0,
    serviceThreshold: 0.04,
    sessionFrames: 5,
    sessionsPerKind: 500,
  };

  it('gives APCER (spoofs accepted) and BPCER (live refused) per capture kind for single frames', () => {
    const r = livenessReport(input);
    expect(r.atServiceThreshold.byKind.video_frame).toEqual({ apcer: 0.1667, bpcer: 0.1667, live: 6, spoof: 6 });
    expect(r.atServiceThreshold.byKind.face_crop).toEqual({ apcer: 1, bpcer: 0.5, live: 2, spoof: 2 });
  });

  it('judges sessions on the median of their frames, where one odd frame no longer decides', () => {
    const r = livenessReport(input);
    // Any 5 of these 6 live frames have a median >= 0.1; any 5 of the spoofs a median <= 0.005.
    expect(r.sessions.byKind.video_frame).toEqual({ apcer: 0, bpcer: 0, live: 500, spoof: 500 });
    // Too few frames of that kind to make a session.
    expect(r.sessions.byKind.face_crop).toBeUndefined();
  });
});

describe('session medians', () => {
  it('draws a bounded number of sessions of distinct frames, repeatably, whatever the number of frames', () => {
    const many = Array.from({ length: 100_000 }, (_, i) => i / 100_000);
    const a = sessionMedians(many, 5, 1000, 7);
    expect(a).toHaveLength(1000);
    expect(sessionMedians(many, 5, 1000, 7)).toEqual(a);
    expect(a.every((m) => m >= 0 && m < 1)).toBe(true);
  });

  it('uses each frame at most once per session', () => {
    // With one high frame among lows, a 3-frame median can never be high.
    expect(Math.max(...sessionMedians([0, 0, 0, 0, 1], 3, 200, 1))).toBe(0);
    expect(sessionMedians([1, 2], 3, 10, 1)).toEqual([]);
  });
});

import type { EvaluationReport } from '../eval/face-evaluation';
import type { LfwReport } from '../eval/lfw-evaluation';
import { RocPoint } from '../eval/metrics';
import { renderRocSvg } from '../eval/roc-plot';
import type { StageLatency } from '../eval/stage-latency';
import { FAR_POINTS, FarKey, VerificationSummary } from '../eval/verification-summary';

type Row = [string, string];

/** The dev set's summary table: verification, identification, groups, face-free images, liveness, latency. */
export function printDevSummary(r: EvaluationReport): void {
  const rows: Row[] = [
    ['identity photos with a face', `${r.detected}/${r.images} (${pct(r.detectionRate, 1)})`],
    ...verificationRows(r.verification),
    ['rank-1 (leave-one-out)', `${pct(r.identification.rank1, 2)} of ${r.identification.probes} probes`],
    ['groups within bounds', `${r.groups.withinBounds}/${r.groups.total}`],
    ['false detections in noface/', `${r.noface.falseDetections}/${r.noface.total}`],
    ['liveness AUC', `${r.liveness.auc} (${r.liveness.live} live, ${r.liveness.spoof} spoof)`],
    ['liveness BPCER @ APCER 10%', pct(r.liveness.bpcerAtApcer10, 1)],
    ...Object.entries(r.liveness.byKind).map(([k, v]): Row => [`liveness AUC ${k}`, `${v.auc} (${v.live} live, ${v.spoof} spoof)`]),
    ...Object.entries(r.liveness.atServiceThreshold.byKind).map(([k, v]): Row => [
      `liveness ${k}, one frame @ ${r.liveness.atServiceThreshold.threshold}`,
      `APCER ${pct(v.apcer, 1)} (${v.spoof} spoof), BPCER ${pct(v.bpcer, 1)} (${v.live} live)`,
    ]),
    ...Object.entries(r.liveness.sessions.byKind).map(([k, v]): Row => [
      `liveness ${k}, median of ${r.liveness.sessions.frames} frames @ ${r.liveness.sessions.threshold}`,
      `APCER ${pct(v.apcer, 1)}, BPCER ${pct(v.bpcer, 1)} (${r.liveness.sessions.drawn} sessions each)`,
    ]),
    ...latencyRows(r.latencyMs),
  ];
  printRows(rows);
  if (r.missed.length) console.log(`\nno face found in: ${r.missed.join(', ')}`);
  for (const g of r.groups.details) {
    if (g.found < g.min || (g.max !== null && g.found > g.max))
      console.log(`group out of bounds: ${g.file} found ${g.found}, expected ${g.min}..${g.max ?? 'any'}`);
  }
}

/** LFW: the View 2 protocol first (the number papers publish), then the all-against-all verification. */
export function printLfwSummary(r: LfwReport): void {
  const p = r.protocol;
  const rows: Row[] = [
    ['photos with a face', `${r.detected}/${r.images}${r.undecodable.length ? ` (${r.undecodable.length} undecodable)` : ''}`],
    ['View 2 accuracy (10 folds)', `${pct(p.meanAccuracy, 2)} ± ${pct(p.sd, 2)} (sd over folds; s.e. ${pct(p.standardError, 2)})`],
    [
      '  pairs with a face missing',
      `${p.noFacePairs} (scored as rejections); counted as errors: ${pct(p.noFaceAsError.meanAccuracy, 2)} ± ${pct(p.noFaceAsError.sd, 2)}`,
    ],
    [
      '  without the label errors',
      `${pct(p.withoutLabelErrors.meanAccuracy, 2)} ± ${pct(p.withoutLabelErrors.sd, 2)} (${p.withoutLabelErrors.pairsLeftOut} known mislabelled pairs left out)`,
    ],
    [`  at fixed threshold ${p.atServiceThreshold.threshold}`, `${pct(p.atServiceThreshold.meanAccuracy, 2)} ± ${pct(p.atServiceThreshold.sd, 2)}`],
    ...(r.scoreNormalised
      ? [
          [
            `  with AS-norm (top ${r.scoreNormalised.topK})`,
            `${pct(r.scoreNormalised.meanAccuracy, 2)} ± ${pct(r.scoreNormalised.sd, 2)} (${r.scoreNormalised.errors} errors)`,
          ] as Row,
        ]
      : []),
    ['  fold thresholds', p.folds.map((f) => f.threshold.toFixed(3)).join(' ')],
    [
      '  errors',
      `${p.misclassified.length}: ${p.misclassified.filter((m) => m.same).length} same-person pairs rejected (${p.misclassified.filter((m) => m.knownLabelError).length} of them known label errors), ${p.misclassified.filter((m) => !m.same).length} different-person pairs accepted`,
    ],
    ['all against all', `${count(r.allAgainstAll.photos)} photos, scored in ${r.allAgainstAll.scoringSeconds} s`],
    ...verificationRows(r.allAgainstAll).map(([k, v]): Row => [`  ${k}`, v]),
    ['  rank-1 (leave-one-out)', `${pct(r.allAgainstAll.rank1, 2)} of ${count(r.allAgainstAll.rank1Probes)} probes`],
    [`templates (up to ${r.templates.templateSize} photos)`, 'EER, TAR @ FAR 1e-3 / 1e-4, rank-1'],
    ...r.templates.results.map((t): Row => [
      `  ${t.aggregator}`,
      `${pct(t.eer, 3)}, ${pct(t.tarAtFar1e3, 2)} / ${pct(t.tarAtFar1e4, 2)}, ${pct(t.rank1, 2)} (${count(t.genuine)} genuine, ${count(t.impostor)} impostor)`,
    ]),
    ...(r.latencyMs ? latencyRows(r.latencyMs) : []),
  ];
  printRows(rows);
  if (r.noFace.length) console.log(`\nno face found in: ${r.noFace.join(', ')}`);
  if (r.undecodable.length) console.log(`could not decode: ${r.undecodable.join(', ')}`);
}

function verificationRows(v: VerificationSummary): Row[] {
  return [
    ['verification pairs', `${count(v.genuinePairs)} genuine, ${count(v.impostorPairs)} impostor`],
    ['AUC', v.auc.toFixed(6)],
    ['EER', `${pct(v.eer, 3)} (threshold ${v.eerThreshold})`],
    ...(Object.keys(FAR_POINTS) as FarKey[]).map((k): Row => [`TAR @ FAR ${k}`, tarText(v, k)]),
    ['recommended threshold', recommendationText(v)],
    [`at threshold ${v.atThreshold.threshold}`, `TAR ${pct(v.atThreshold.tar, 2)}, FAR ${pct(v.atThreshold.far, 4)}`],
    ['best balanced accuracy', `${pct(v.bestAccuracy, 2)} (threshold ${v.bestThreshold})`],
    ['genuine similarity', `min ${v.genuine.min}, p1 ${v.genuine.p1}, median ${v.genuine.median}`],
    ['impostor similarity', `median ${v.impostor.median}, p99.9 ${v.impostor.p999}, max ${v.impostor.max}`],
  ];
}

function latencyRows(latency: StageLatency): Row[] {
  return (['decode', 'detect', 'landmarks', 'align', 'embed', 'liveness', 'total'] as const).map((s): Row => [
    `latency ${s} (ms)`,
    `p50 ${latency[s].p50}, p95 ${latency[s].p95}`,
  ]);
}

function printRows(rows: Row[]): void {
  let width = 0;
  for (const [k] of rows) width = Math.max(width, k.length);
  console.log('');
  for (const [k, val] of rows) console.log(`${k.padEnd(width)}  ${val}`);
}

function tarText(v: VerificationSummary, k: FarKey): string {
  const tar = v.tarAtFar[k];
  return tar === null ? `n/a (fewer than ${count(1 / FAR_POINTS[k])} impostor pairs)` : `${pct(tar, 2)} (threshold ${v.thresholdAtFar[k]})`;
}

function recommendationText(v: VerificationSummary): string {
  const r = v.recommendation;
  const rule = `FAR <= ${r.far} with ${r.confidence * 100}% confidence`;
  if (!r.enoughPairs) return `none: ${count(v.impostorPairs)} impostor pairs cannot show ${rule} (need ${count(-Math.log(1 - r.confidence) / r.far)})`;
  return `${v.recommendedThreshold} (${rule}; ${count(r.acceptedImpostors)} impostor pairs accepted)`;
}

/** The ROC plot of a verification summary, with its headline figures in the legend. */
export function verificationPlot(title: string, v: VerificationSummary, roc: RocPoint[]): string {
  const markFar = v.impostorPairs >= 1e5 ? [1e-4] : [1e-3];
  const key: FarKey = markFar[0] === 1e-4 ? '1e-4' : '1e-3';
  return renderRocSvg({
    title,
    roc,
    markFar,
    legend: [
      `AUC ${v.auc.toFixed(5)}   EER ${pct(v.eer, 3)}`,
      `TAR @ FAR ${key}: ${pct(v.tarAtFar[key], 2)} (threshold ${v.thresholdAtFar[key]})`,
      `TAR @ FAR 1e-2: ${pct(v.tarAtFar['1e-2'], 2)}`,
      `at threshold ${v.atThreshold.threshold}: TAR ${pct(v.atThreshold.tar, 2)}, FAR ${pct(v.atThreshold.far, 4)}`,
    ],
  });
}

export const count = (n: number) => Math.ceil(n - 1e-6).toLocaleString('en-US');
export const pct = (v: number | null, d: number) => (v === null || Number.isNaN(v) ? 'n/a' : `${(v * 100).toFixed(d)}%`);

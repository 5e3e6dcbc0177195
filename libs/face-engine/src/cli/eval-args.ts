import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DEFAULT_LIVENESS_MIN_FRAMES,
  DEFAULT_LIVENESS_THRESHOLD,
  DEFAULT_MATCH_THRESHOLD,
  DEFAULT_MODELS_DIR,
  FaceEngineOverrides,
} from '../face-engine.config';
import { DEFAULT_TARGET_FAR } from '../eval/verification-summary';

export const USAGE = [
  'usage: npm run eval -- (--data <dir> | --lfw <dir>) [options]',
  '  --data <dir>             a labelled folder laid out like ../shared/faces',
  '  --lfw <dir>              LFW: lfw/<Name>/<Name>_<nnnn>.jpg and the View 2 pairs.txt',
  '  --out report.json        write the full report',
  '  --plot roc.svg           write the ROC curve',
  '  --threshold 0.4          the service threshold to report TAR/FAR (LFW: accuracy) at',
  '  --liveness-threshold 0.04 --session-frames 5   passive liveness: APCER/BPCER per frame and per session median',
  '  --target-far 1e-4        the FAR the recommended threshold is derived for',
  '  --save-embeddings <file> (LFW) keep the embeddings, to score again without the models',
  '  --embeddings <file>      (LFW) score saved embeddings instead of running the models',
  '  --score-norm <topK>      (LFW) also run View 2 on AS-norm scores (cohort: the other folds)',
  '  --workers 1 --threads 1 --flip --models <dir>',
].join('\n');

export interface EvalArgs {
  data?: string;
  lfw?: string;
  out?: string;
  plot?: string;
  threshold: number;
  livenessThreshold: number;
  livenessSessionFrames: number;
  targetFar: number;
  saveEmbeddings?: string;
  embeddings?: string;
  scoreNormTopK?: number;
  workers: number;
  threads: number;
  flip: boolean;
  modelsDir: string;
}

/** Parses and checks the command line; prints the usage and exits on anything wrong. */
export function parseEvalArgs(argv: string[]): EvalArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      lfw: { type: 'string' },
      out: { type: 'string' },
      plot: { type: 'string' },
      threshold: { type: 'string' },
      'liveness-threshold': { type: 'string' },
      'session-frames': { type: 'string' },
      'target-far': { type: 'string' },
      'save-embeddings': { type: 'string' },
      embeddings: { type: 'string' },
      'score-norm': { type: 'string' },
      workers: { type: 'string', default: '1' },
      threads: { type: 'string', default: '1' },
      models: { type: 'string' },
      flip: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) usage(0);
  const args: EvalArgs = {
    data: values.data && resolve(values.data),
    lfw: values.lfw && resolve(values.lfw),
    out: values.out,
    plot: values.plot,
    threshold: values.threshold === undefined ? DEFAULT_MATCH_THRESHOLD : Number(values.threshold),
    livenessThreshold: values['liveness-threshold'] === undefined ? DEFAULT_LIVENESS_THRESHOLD : Number(values['liveness-threshold']),
    livenessSessionFrames: values['session-frames'] === undefined ? DEFAULT_LIVENESS_MIN_FRAMES : Number(values['session-frames']),
    targetFar: values['target-far'] === undefined ? DEFAULT_TARGET_FAR : Number(values['target-far']),
    saveEmbeddings: values['save-embeddings'],
    embeddings: values.embeddings,
    scoreNormTopK: values['score-norm'] === undefined ? undefined : Number(values['score-norm']),
    workers: Number(values.workers),
    threads: Number(values.threads),
    flip: values.flip,
    modelsDir: values.models ? resolve(values.models) : DEFAULT_MODELS_DIR,
  };
  if (problems(args).length > 0) {
    console.error(problems(args).join('\n'));
    usage(2);
  }
  return args;
}

/** What is wrong with parsed arguments (empty when nothing is). */
export function problems(a: EvalArgs): string[] {
  const out: string[] = [];
  if (!a.data === !a.lfw) out.push('give exactly one of --data and --lfw');
  if (!Number.isFinite(a.threshold)) out.push('--threshold must be a number');
  if (!(a.livenessThreshold >= 0 && a.livenessThreshold <= 1)) out.push('--liveness-threshold must be in [0, 1]');
  if (!Number.isInteger(a.livenessSessionFrames) || a.livenessSessionFrames < 1) out.push('--session-frames must be a whole number >= 1');
  if (!(a.targetFar > 0 && a.targetFar < 1)) out.push('--target-far must be in (0, 1)');
  if (!Number.isInteger(a.workers) || a.workers < 1) out.push('--workers must be a whole number >= 1');
  if (!Number.isInteger(a.threads) || a.threads < 1) out.push('--threads must be a whole number >= 1');
  if ((a.saveEmbeddings || a.embeddings || a.scoreNormTopK !== undefined) && !a.lfw) out.push('--save-embeddings, --embeddings and --score-norm go with --lfw');
  if (a.scoreNormTopK !== undefined && !(Number.isInteger(a.scoreNormTopK) && a.scoreNormTopK >= 2)) out.push('--score-norm must be a whole number >= 2');
  return out;
}

function usage(code: number): never {
  (code === 0 ? console.log : console.error)(USAGE);
  process.exit(code);
}

/** The engine settings a run measures (also recorded in the report and beside saved embeddings). */
export function engineOverrides(a: EvalArgs): FaceEngineOverrides {
  return { modelsDir: a.modelsDir, poolSize: a.workers, intraOpThreads: a.threads, flipAugmentation: a.flip };
}

/** What the report records about the run. */
export function runInfo(a: EvalArgs): Record<string, unknown> {
  return { workers: a.workers, intraOpThreads: a.threads, flip: a.flip, threshold: a.threshold, targetFar: a.targetFar };
}

/**
 * npm run eval -- --data <dir> [options]   the dev set: detection, verification, identification, groups, liveness
 * npm run eval -- --lfw <dir> [options]    LFW: the View 2 protocol and the all-against-all verification
 *
 * Options: see USAGE in eval-args.ts (npm run eval -- --help).
 */
import { runDevEvaluation } from './dev-eval.command';
import { parseEvalArgs } from './eval-args';
import { runLfwEvaluation } from './lfw-eval.command';

async function main(): Promise<void> {
  const args = parseEvalArgs(process.argv.slice(2));
  if (args.lfw) await runLfwEvaluation({ ...args, lfw: args.lfw });
  else if (args.data) await runDevEvaluation({ ...args, data: args.data });
}

main().catch((error) => {
  console.error(`eval failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

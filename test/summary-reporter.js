// Prints the plain closing line CI reads ("tests: N passed, N failed"), after jest's own summary, and where the time
// went: seconds per project and the slowest files, so a CI run near its 25-minute budget shows what to trim.
const path = require('node:path');

const SLOWEST = 12;

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
    this.files = [];
  }

  onTestResult(test, result) {
    const seconds = (result.perfStats.end - result.perfStats.start) / 1000;
    const project = test.context.config.displayName?.name ?? 'default';
    this.files.push({ project, file: path.relative(this.rootDir, result.testFilePath), seconds });
  }

  onRunComplete(_contexts, results) {
    const byProject = new Map();
    for (const { project, seconds } of this.files) byProject.set(project, (byProject.get(project) ?? 0) + seconds);
    const projects = [...byProject].map(([name, seconds]) => `${name} ${seconds.toFixed(0)} s`).join(', ');
    const slowest = [...this.files].sort((a, b) => b.seconds - a.seconds).slice(0, SLOWEST);
    const lines = slowest.map(({ project, file, seconds }) => `  ${seconds.toFixed(1).padStart(6)} s  ${project}  ${file}`);
    process.stdout.write(`\ntime per project: ${projects}\nslowest files:\n${lines.join('\n')}\n`);
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(`\ntests: ${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
module.exports = SummaryReporter;

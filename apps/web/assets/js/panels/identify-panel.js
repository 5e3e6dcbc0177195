// @ts-check
import { formatScore, similarityGauge } from '../gauge.js';
import { byId, el, showError, showMessage } from '../ui.js';
import { decisionView, wireProbeInputs } from './probe.js';

const TOP_K = 5;

/** 1:N: who is this? The best match only counts at or above the threshold; the candidates are shown either way. */
export class IdentifyPanel {
  /** @param {import('./context.js').PanelContext} context */
  constructor(context) {
    this.context = context;
    this.result = byId('identify-result');
    this.running = false;
    wireProbeInputs(context, 'identify', this.result, (probe) => this.run(probe));
  }

  /** @param {() => Promise<{ image: Blob, livenessToken?: string }>} probe */
  async run(probe) {
    if (this.running) return;
    this.running = true;
    try {
      const { image, livenessToken } = await probe();
      showMessage(this.result, 'warn', 'Identifying…');
      const answer = await this.context
        .api()
        .postImages('/recognize', 'file', [image], { collection: this.context.collection(), topK: String(TOP_K), livenessToken });
      this.result.replaceChildren(
        decisionView({
          yes: answer.match,
          title: answer.match ? `Identified: ${answer.user.name}` : 'No match: not an enrolled person',
          similarity: answer.similarity ?? answer.candidates[0]?.similarity ?? null,
          threshold: answer.threshold,
          confidence: answer.confidence,
          liveness: answer.liveness,
        }),
        this.candidates(answer.candidates, answer.threshold),
      );
    } catch (error) {
      showError(this.result, error);
    } finally {
      this.running = false;
    }
  }

  /** @param {Array<{ user: { id: string, name: string, externalId: string | null }, similarity: number }>} candidates @param {number} threshold */
  candidates(candidates, threshold) {
    if (candidates.length === 0) return el('p', { class: 'hint' }, 'The collection is empty.');
    return el(
      'div',
      {},
      el('h3', {}, 'Nearest people'),
      el(
        'ol',
        { class: 'candidates' },
        ...candidates.map((c) =>
          el(
            'li',
            {},
            `${c.user.name}${c.user.externalId ? ` (${c.user.externalId})` : ''}: ${formatScore(c.similarity)}`,
            similarityGauge(c.similarity, threshold, `${c.user.name}: similarity against the threshold`),
          ),
        ),
      ),
    );
  }
}

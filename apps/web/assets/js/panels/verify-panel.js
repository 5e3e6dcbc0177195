// @ts-check
import { byId, el, showError, showMessage } from '../ui.js';
import { decisionView, wireProbeInputs } from './probe.js';

/** 1:1: is this the claimed person? The claim is an external id, or a person picked from the suggestions. */
export class VerifyPanel {
  /** @param {import('./context.js').PanelContext} context */
  constructor(context) {
    this.context = context;
    this.result = byId('verify-result');
    this.claim = /** @type {HTMLInputElement} */ (byId('verify-claim'));
    this.suggestions = byId('verify-suggestions');
    /** @type {Map<string, string>} label -> user id */
    this.known = new Map();
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
    /** Suggestion requests in flight: only the latest one's answer is shown. */
    this.suggestion = 0;
    this.running = false;
    this.claim.addEventListener('input', () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.suggest(), 250);
    });
    wireProbeInputs(context, 'verify', this.result, (probe) => this.run(probe));
  }

  /** Another collection: its people are others, so earlier picks and results no longer apply. */
  reset() {
    this.known.clear();
    this.suggestions.replaceChildren();
    this.result.replaceChildren();
  }

  /** Fills the claim (from the People list). @param {{ id: string, label: string }} person */
  preset(person) {
    this.known.set(person.label, person.id);
    this.claim.value = person.label;
  }

  async suggest() {
    const text = this.claim.value.trim();
    if (text.length < 2 || this.known.has(text) || !this.context.can('read')) return;
    const ticket = ++this.suggestion;
    try {
      const page = await this.context.api().get('/users', { collection: this.context.collection(), search: text, limit: 8 });
      if (ticket !== this.suggestion) return;
      this.suggestions.replaceChildren(
        ...page.items.map((/** @type {{ id: string, name: string, externalId: string | null }} */ u) => {
          const label = u.externalId ? `${u.name} (${u.externalId})` : u.name;
          this.known.set(label, u.id);
          return el('option', { value: label });
        }),
      );
    } catch {
      // Suggestions are a convenience; the claim still works as an external id.
    }
  }

  /** @param {() => Promise<{ image: Blob, livenessToken?: string }>} probe */
  async run(probe) {
    const claim = this.claim.value.trim();
    if (!claim) return showMessage(this.result, 'error', 'Enter the claimed person first (external id or name from the list).');
    if (this.running) return; // a second click or file while one verification runs would race it
    this.running = true;
    try {
      const { image, livenessToken } = await probe();
      showMessage(this.result, 'warn', 'Verifying…');
      const userId = this.known.get(claim);
      const answer = await this.context.api().postImages('/verify', 'file', [image], {
        ...(userId ? { userId } : { externalId: claim }),
        collection: this.context.collection(),
        livenessToken,
      });
      this.result.replaceChildren(
        decisionView({
          yes: answer.verified,
          title: answer.verified ? `Verified: ${answer.user.name}` : `Not ${claim}`,
          similarity: answer.similarity,
          threshold: answer.threshold,
          confidence: answer.confidence,
          liveness: answer.liveness,
        }),
      );
    } catch (error) {
      showError(this.result, error);
    } finally {
      this.running = false;
    }
  }
}

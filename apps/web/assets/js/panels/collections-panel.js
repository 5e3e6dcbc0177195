// @ts-check
import { actionButton, busy, byId, el, recordItem, showError, showMessage, when } from '../ui.js';

/**
 * @typedef {{ purpose?: string, matchThreshold?: number, livenessMode?: string, livenessThreshold?: number, requireLivenessToken?: boolean, exposeScores?: boolean }} Settings
 * @typedef {{ name: string, description: string | null, settings: Settings, policy: Required<Settings>, users: number, faces: number, createdAt: string }} Collection
 */

/**
 * What the evaluation measured for thresholds (README "Choosing the threshold": LFW all against all, 29.6 million
 * different-person pairs): the false accept rate a threshold gives, and how often the same person is refused.
 */
const THRESHOLD_GUIDANCE = [
  '0.36: a different person passes about 1 time in 1,000 (FAR 1e-3).',
  '0.42 (the server default): FAR at most 1e-4 with 95% confidence (7.3e-5 measured); the same person passes 97.0% of the time.',
  '0.47: FAR 1.2e-5. 0.57: FAR 8.8e-7. Higher refuses more of the right people.',
];

/** Collections: list with counts, create, edit settings (validated by the server), delete after typing the name. */
export class CollectionsPanel {
  /** @param {import('./context.js').PanelContext} context @param {() => void} changed the page's collection picker reloads */
  constructor(context, changed) {
    this.context = context;
    this.changed = changed;
    this.list = byId('collections-list');
    this.status = byId('collections-status');
    this.form = /** @type {HTMLFormElement} */ (byId('collection-form'));
    this.form.addEventListener('submit', (/** @type {Event} */ e) => {
      e.preventDefault();
      void busy(byId('collection-create'), () => this.create());
    });
  }

  async load() {
    try {
      /** @type {Collection[]} */
      const collections = await this.context.api().get('/collections');
      this.list.replaceChildren(...collections.map((c) => this.row(c)));
    } catch (error) {
      showError(this.status, error);
    }
  }

  /** @param {Collection} c */
  row(c) {
    const p = c.policy;
    const details = [
      c.description,
      `${c.users} ${c.users === 1 ? 'person' : 'people'}, ${c.faces} faces`,
      p.purpose === 'sign_in' ? 'sign-in' : 'photo search',
      `threshold ${p.matchThreshold}`,
      `liveness ${p.livenessMode} at ${p.livenessThreshold}${p.requireLivenessToken ? ', challenge required' : ''}`,
      p.exposeScores ? 'scores exposed' : null,
      `created ${when(c.createdAt)}`,
    ];
    const item = recordItem(c.name, details, [], { 'data-collection': c.name });
    const actions = /** @type {HTMLElement} */ (item.querySelector('.actions'));
    actions.append(
      actionButton('Edit settings', `Edit settings of ${c.name}`, () => this.edit(c, item)),
      actionButton('Delete', `Delete collection ${c.name}`, () => this.remove(c), 'danger'),
    );
    return item;
  }

  async create() {
    const data = new FormData(this.form);
    const description = String(data.get('description') ?? '').trim();
    const body = { name: String(data.get('name') ?? '').trim(), description: description || undefined, settings: { purpose: String(data.get('purpose')) } };
    try {
      const created = await this.context.api().postJson('/collections', body);
      this.form.reset();
      showMessage(this.status, 'ok', `Collection "${created.name}" created.`);
      this.changed();
      await this.load();
    } catch (error) {
      showError(this.status, error);
    }
  }

  /**
   * Inline settings form. Blank fields fall back to the server's defaults (the policy shows what is in force); the
   * server validates and its message is shown as it is. PATCH replaces the whole settings object.
   * @param {Collection} c @param {HTMLElement} item
   */
  edit(c, item) {
    item.querySelector('form')?.remove();
    const s = c.settings ?? {};
    const id = (/** @type {string} */ field) => `edit-${c.name}-${field}`.replace(/[^A-Za-z0-9_-]/g, '_');
    const choice = (/** @type {string} */ field, /** @type {string} */ label, /** @type {Array<[string, string]>} */ options, /** @type {unknown} */ value) =>
      el(
        'div',
        { class: 'field' },
        el('label', { for: id(field) }, label),
        el('select', { id: id(field), name: field }, ...options.map(([v, text]) => el('option', { value: v, selected: String(value ?? '') === v }, text))),
      );
    const number = (/** @type {string} */ field, /** @type {string} */ label, /** @type {number | undefined} */ value, /** @type {number} */ fallback) =>
      el(
        'div',
        { class: 'field' },
        el('label', { for: id(field) }, label),
        el('input', { id: id(field), name: field, type: 'number', step: '0.01', value: value ?? '', placeholder: `default (${fallback})` }),
      );
    const inherit = /** @type {[string, string]} */ (['', 'default']);
    const status = el('div', { class: 'form-status', role: 'status' });
    const form = /** @type {HTMLFormElement} */ (
      el(
        'form',
        { class: 'settings', novalidate: true, 'aria-label': `Settings of ${c.name}` },
        choice('purpose', 'Purpose', [inherit, ['sign_in', 'sign-in'], ['photo_search', 'photo search']], s.purpose),
        number('matchThreshold', 'Match threshold (cosine similarity)', s.matchThreshold, c.policy.matchThreshold),
        el('ul', { class: 'guidance', 'aria-label': 'What the evaluation measured' }, ...THRESHOLD_GUIDANCE.map((g) => el('li', {}, g))),
        choice(
          'livenessMode',
          'Passive liveness',
          [inherit, ['off', 'off'], ['advisory', 'advisory (reported)'], ['enforce', 'enforce (refused below the threshold)']],
          s.livenessMode,
        ),
        number('livenessThreshold', 'Passive liveness threshold', s.livenessThreshold, c.policy.livenessThreshold),
        choice('requireLivenessToken', 'Liveness challenge', [inherit, ['true', 'required'], ['false', 'not required']], s.requireLivenessToken),
        choice('exposeScores', 'Scores below the threshold', [inherit, ['false', 'withheld'], ['true', 'shown (calibration only)']], s.exposeScores),
        el(
          'div',
          { class: 'row' },
          el('button', { type: 'submit' }, 'Save settings'),
          el('button', { type: 'button', class: 'secondary', 'data-cancel': true }, 'Cancel'),
        ),
        status,
      )
    );
    form.querySelector('[data-cancel]')?.addEventListener('click', () => form.remove());
    form.addEventListener('submit', (/** @type {Event} */ e) => {
      e.preventDefault();
      void busy(form.querySelector('button[type="submit"]'), () => this.save(c, form, status));
    });
    item.append(form);
    /** @type {HTMLElement | null} */ (form.querySelector('select, input'))?.focus();
  }

  /** @param {Collection} c @param {HTMLFormElement} form @param {HTMLElement} status */
  async save(c, form, status) {
    /** @type {Record<string, unknown>} */
    const settings = {};
    for (const [name, raw] of new FormData(form)) {
      const value = String(raw).trim();
      if (value === '') continue;
      if (name === 'matchThreshold' || name === 'livenessThreshold') settings[name] = Number(value);
      else if (name === 'requireLivenessToken' || name === 'exposeScores') settings[name] = value === 'true';
      else settings[name] = value;
    }
    try {
      await this.context.api().request('PATCH', `/collections/${encodeURIComponent(c.name)}`, { json: { settings } });
      showMessage(this.status, 'ok', `Settings of "${c.name}" saved.`);
      await this.load();
    } catch (error) {
      showError(status, error);
    }
  }

  /** @param {Collection} c */
  async remove(c) {
    const text = `Deleting "${c.name}" removes its ${c.users} people and ${c.faces} faces for good.`;
    if (!(await this.context.confirmTyped(text, c.name))) return;
    try {
      await this.context.api().request('DELETE', `/collections/${encodeURIComponent(c.name)}`);
      showMessage(this.status, 'ok', `Collection "${c.name}" deleted.`);
      this.changed();
      await this.load();
    } catch (error) {
      showError(this.status, error);
    }
  }
}

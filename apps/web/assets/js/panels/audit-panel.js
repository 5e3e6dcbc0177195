// @ts-check
import { busy, byId, el, recordItem, showError, showMessage, when } from '../ui.js';

/**
 * @typedef {{ id: string, at: string, action: string, outcome: string, keyId: string | null, collection: string | null, userId: string | null,
 *   similarity: number | null, liveness: number | null, clientIp: string | null, requestId: string | null, details: Record<string, unknown> | null }} AuditEvent
 */

/** Suggestions for the filters: what the services record (free text still works for anything else). */
const ACTIONS = [
  'verify',
  'recognize',
  'compare',
  'enrol',
  'add_faces',
  'update',
  'delete',
  'delete_face',
  'delete_faces',
  'liveness_session',
  'liveness_challenge',
  'lockout',
  'lockout_clear',
  'collection_create',
  'collection_update',
  'collection_delete',
  'key_create',
  'key_revoke',
];
/** Outcomes: these, or the error code a request failed with (FACE_MISMATCH, CHALLENGE_FAILED...). */
const OUTCOMES = ['success', 'rejected', 'match', 'no_match', 'locked_out', 'locked', 'opened', 'passed', 'CHALLENGE_FAILED', 'SPOOF_SUSPECTED', 'LOCKED_OUT'];
/** The API's largest page, and how much one export may gather (page by page, in the browser). */
const PAGE = 200;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EXPORT_MAX = 10_000;
const CSV_COLUMNS = /** @type {const} */ ([
  'at',
  'action',
  'outcome',
  'collection',
  'userId',
  'keyId',
  'similarity',
  'liveness',
  'clientIp',
  'requestId',
  'details',
]);

/** The audit log: filter, page through, export the filtered view as CSV or JSON lines. */
export class AuditPanel {
  /** @param {import('./context.js').PanelContext} context */
  constructor(context) {
    this.context = context;
    this.form = /** @type {HTMLFormElement} */ (byId('audit-form'));
    this.list = byId('audit-list');
    this.status = byId('audit-status');
    this.more = byId('audit-more');
    /** @type {string | null} */
    this.cursor = null;
    this.loading = 0;
    byId('audit-actions').replaceChildren(...ACTIONS.map((a) => el('option', { value: a })));
    byId('audit-outcomes').replaceChildren(...OUTCOMES.map((o) => el('option', { value: o })));
    this.form.addEventListener('submit', (/** @type {Event} */ e) => {
      e.preventDefault();
      void busy(byId('audit-apply'), () => this.page(true));
    });
    this.more.addEventListener('click', () => void busy(this.more, () => this.page(false)));
    byId('audit-export-csv').addEventListener('click', () => void busy(byId('audit-export-csv'), () => this.export('csv')));
    byId('audit-export-jsonl').addEventListener('click', () => void busy(byId('audit-export-jsonl'), () => this.export('jsonl')));
  }

  load() {
    return this.page(true);
  }

  /**
   * The filters as query parameters; datetime-local is the browser's local time, sent as an instant. A person given by
   * external id is looked up in the collection filtered on (or default), since the log records person ids.
   * @returns {Promise<Record<string, string | undefined>>}
   */
  async filters() {
    const data = new FormData(this.form);
    /** @type {Record<string, string | undefined>} */
    const query = {};
    for (const name of ['collection', 'action', 'outcome']) query[name] = String(data.get(name) ?? '').trim() || undefined;
    for (const name of ['from', 'to']) {
      const value = String(data.get(name) ?? '');
      query[name] = value ? new Date(value).toISOString() : undefined;
    }
    const person = String(data.get('person') ?? '').trim();
    query.userId = person && !UUID.test(person) ? await this.personId(person, query.collection) : person || undefined;
    return query;
  }

  /**
   * A person's id from their external id, in the collection filtered on (or the key's default one). The search also
   * matches names and parts of ids, so it pages until the exact external id turns up.
   * @param {string} externalId @param {string | undefined} collection
   */
  async personId(externalId, collection) {
    /** @type {string | null} */
    let cursor = null;
    for (let pages = 0; pages < 20; pages++) {
      const page = await this.context.api().get('/users', { collection, search: externalId, limit: 100, cursor: cursor ?? undefined });
      const match = page.items.find((/** @type {{ id: string, externalId: string | null }} */ u) => u.externalId === externalId);
      if (match) return /** @type {string} */ (match.id);
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    throw new Error(`Nobody has the external id "${externalId}" in collection "${collection ?? 'default'}".`);
  }

  /** @param {boolean} reset */
  async page(reset) {
    if (reset) this.cursor = null;
    const ticket = ++this.loading;
    try {
      const page = await this.context.api().get('/audit', { ...(await this.filters()), limit: 50, cursor: this.cursor ?? undefined });
      if (ticket !== this.loading) return;
      const rows = page.items.map((/** @type {AuditEvent} */ e) => this.row(e));
      if (reset) this.list.replaceChildren(...rows);
      else this.list.append(...rows);
      this.cursor = page.nextCursor;
      this.more.hidden = !page.nextCursor;
      const shown = this.list.children.length;
      this.status.textContent = shown === 0 ? 'No events match these filters.' : `${shown} event(s) shown${page.nextCursor ? ' (more available)' : ''}.`;
    } catch (error) {
      if (ticket !== this.loading) return;
      this.list.replaceChildren();
      this.more.hidden = true;
      showError(this.status, error);
    }
  }

  /** @param {AuditEvent} e */
  row(e) {
    return recordItem(
      `${e.action}: ${e.outcome}`,
      [
        when(e.at),
        e.collection && `collection ${e.collection}`,
        e.userId && `person ${e.userId}`,
        e.similarity !== null && `similarity ${e.similarity.toFixed(4)}`,
        e.keyId && `key ${e.keyId}`,
        e.requestId && `request ${e.requestId}`,
      ],
      [],
      { 'data-action': e.action, 'data-outcome': e.outcome },
    );
  }

  /**
   * Every event of the filtered view (page by page, up to EXPORT_MAX) as a file download. Built in the browser from
   * the API's answers; nothing is kept after the download.
   * @param {'csv' | 'jsonl'} format
   */
  async export(format) {
    try {
      /** @type {AuditEvent[]} */
      const events = [];
      const filters = await this.filters();
      /** @type {string | null} */
      let cursor = null;
      do {
        const page = await this.context.api().get('/audit', { ...filters, limit: PAGE, cursor: cursor ?? undefined });
        events.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor && events.length < EXPORT_MAX);
      const text = format === 'csv' ? toCsv(events) : events.map((e) => JSON.stringify(e)).join('\n') + (events.length ? '\n' : '');
      const blob = new Blob([text], { type: format === 'csv' ? 'text/csv' : 'application/x-ndjson' });
      const url = URL.createObjectURL(blob);
      const link = el('a', { href: url, download: `facegate-audit-${new Date().toISOString().replace(/[:.]/g, '-')}.${format}` });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      showMessage(this.status, 'ok', `Exported ${events.length} event(s)${cursor ? ` (the first ${EXPORT_MAX}; narrow the filters for the rest)` : ''}.`);
    } catch (error) {
      showError(this.status, error);
    }
  }
}

/**
 * RFC 4180 CSV. A cell that starts with =, +, - or @ is prefixed with ' so a spreadsheet does not run it as a formula
 * (names and ids come from API callers).
 * @param {AuditEvent[]} events
 */
export function toCsv(events) {
  const cell = (/** @type {unknown} */ v) => {
    let text = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [CSV_COLUMNS.join(','), ...events.map((e) => CSV_COLUMNS.map((c) => cell(e[c])).join(','))].join('\r\n') + '\r\n';
}

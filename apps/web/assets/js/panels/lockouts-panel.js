// @ts-check
import { actionButton, busy, byId, recordItem, showError, showMessage, when } from '../ui.js';

/**
 * The key fields are null for a key this admin may not see (a key bound to other collections, or unbound, seen by an
 * admin bound to collections).
 * @typedef {{ userId: string, externalId: string | null, name: string, collection: string, keyId: string | null, keyPrefix: string | null, keyName: string | null, lockedUntil: string }} Lockout
 */

/** Lockouts in force: who is locked, by which key's failures, until when; clear one (the server audits it). */
export class LockoutsPanel {
  /** @param {import('./context.js').PanelContext} context */
  constructor(context) {
    this.context = context;
    this.list = byId('lockouts-list');
    this.status = byId('lockouts-status');
    byId('lockouts-refresh').addEventListener('click', () => void busy(byId('lockouts-refresh'), () => this.load()));
  }

  async load() {
    try {
      /** @type {{ items: Lockout[] }} */
      const page = await this.context.api().get('/lockouts', { limit: 500 });
      this.list.replaceChildren(...page.items.map((l) => this.row(l)));
      this.status.textContent = page.items.length === 0 ? 'Nobody is locked out.' : `${page.items.length} lockout(s) in force.`;
    } catch (error) {
      showError(this.status, error);
    }
  }

  /** @param {Lockout} l */
  row(l) {
    const who = l.externalId ? `${l.name} (${l.externalId})` : l.name;
    const key = l.keyName ? `key ${l.keyName} (${l.keyPrefix}…)` : 'a key you cannot see';
    return recordItem(
      who,
      [`collection ${l.collection}`, key, `until ${when(l.lockedUntil)}`],
      [actionButton('Clear', `Clear the lockout of ${who} for ${l.keyName ? `key ${l.keyName}` : 'a key you cannot see'}`, () => this.clear(l, who), 'danger')],
      { 'data-user-id': l.userId, 'data-key-id': l.keyId ?? '' },
    );
  }

  /**
   * One key's lock on one person; for a key this admin cannot name, every key's lock on the person (the server's rule
   * for a clear without keyId: the admin may manage the person), and the question says so.
   * @param {Lockout} l @param {string} who
   */
  async clear(l, who) {
    const question = l.keyId
      ? `Let key "${l.keyName}" verify ${who} again now? The clearing is audited.`
      : `Lift every key's lock on ${who}, including this one by a key you cannot see? The clearing is audited.`;
    if (!(await this.context.confirm(question, 'Clear'))) return;
    try {
      await this.context.api().request('DELETE', `/lockouts/${encodeURIComponent(l.userId)}`, { query: { keyId: l.keyId ?? undefined } });
      await this.load();
      showMessage(this.status, 'ok', `Lockout of ${who} cleared${l.keyName ? ` for key ${l.keyName}` : ''}.`);
    } catch (error) {
      showError(this.status, error);
    }
  }
}

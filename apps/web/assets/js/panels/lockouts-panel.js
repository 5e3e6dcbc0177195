// @ts-check
import { actionButton, busy, byId, recordItem, showError, showMessage, when } from '../ui.js';

/** @typedef {{ userId: string, externalId: string | null, name: string, collection: string, keyId: string, keyPrefix: string, keyName: string, lockedUntil: string }} Lockout */

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
    return recordItem(
      who,
      [`collection ${l.collection}`, `key ${l.keyName} (${l.keyPrefix}…)`, `until ${when(l.lockedUntil)}`],
      [actionButton('Clear', `Clear the lockout of ${who} for key ${l.keyName}`, () => this.clear(l, who), 'danger')],
      { 'data-user-id': l.userId, 'data-key-id': l.keyId },
    );
  }

  /** @param {Lockout} l @param {string} who */
  async clear(l, who) {
    if (!(await this.context.confirm(`Let key "${l.keyName}" verify ${who} again now? The clearing is audited.`, 'Clear'))) return;
    try {
      await this.context.api().request('DELETE', `/lockouts/${encodeURIComponent(l.userId)}`, { query: { keyId: l.keyId } });
      await this.load();
      showMessage(this.status, 'ok', `Lockout of ${who} cleared for key ${l.keyName}.`);
    } catch (error) {
      showError(this.status, error);
    }
  }
}

// @ts-check
import { actionButton, busy, byId, recordItem, showError, showMessage, when } from '../ui.js';

/** @typedef {{ id: string, name: string, prefix: string, scopes: string[], collections: string[], allCollections: boolean, createdAt: string, lastUsedAt: string | null, revokedAt: string | null }} ApiKey */

/**
 * API keys: list, create (the key is shown once, in a dialog, and never kept by the page) and revoke. Admin only; the
 * server checks it too.
 */
export class KeysPanel {
  /** @param {import('./context.js').PanelContext} context */
  constructor(context) {
    this.context = context;
    this.list = byId('keys-list');
    this.status = byId('keys-status');
    this.form = /** @type {HTMLFormElement} */ (byId('key-form'));
    this.form.addEventListener('submit', (/** @type {Event} */ e) => {
      e.preventDefault();
      void busy(byId('key-create'), () => this.create());
    });
    this.dialog = /** @type {HTMLDialogElement} */ (byId('key-dialog'));
    this.secret = /** @type {HTMLInputElement} */ (byId('key-secret'));
    byId('key-copy').addEventListener('click', () => void this.copy());
    // Closed by the button or Escape: the key leaves the page with the dialog. The button's submit clears it before
    // the dialog closes ('close' is dispatched a task later, after the dialog is already gone from view).
    const forget = () => {
      this.secret.value = '';
      byId('key-copy-status').textContent = '';
    };
    this.dialog.querySelector('form')?.addEventListener('submit', forget);
    this.dialog.addEventListener('close', forget);
  }

  async load() {
    try {
      /** @type {ApiKey[]} */
      const keys = await this.context.api().get('/api-keys');
      this.list.replaceChildren(...keys.map((k) => this.row(k)));
      if (keys.length === 0) showMessage(this.status, 'ok', 'No keys yet.');
    } catch (error) {
      showError(this.status, error);
    }
  }

  /** @param {ApiKey} key */
  row(key) {
    const details = [
      `${key.prefix}…`,
      `scopes: ${key.scopes.join(', ')}`,
      key.allCollections ? 'every collection' : `collections: ${key.collections.join(', ') || 'none left (all deleted)'}`,
      `created ${when(key.createdAt)}`,
      key.lastUsedAt ? `last used ${when(key.lastUsedAt)}` : 'never used',
      key.revokedAt ? `revoked ${when(key.revokedAt)}` : null,
    ];
    const actions = key.revokedAt ? [] : [actionButton('Revoke', `Revoke key ${key.name}`, () => this.revoke(key), 'danger')];
    return recordItem(key.name, details, actions, { 'data-key-id': key.id, class: key.revokedAt ? 'revoked' : '' });
  }

  async create() {
    const data = new FormData(this.form);
    const collections = String(data.get('collections') ?? '')
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean);
    const body = { name: String(data.get('name') ?? '').trim(), scopes: data.getAll('scope').map(String), collections };
    try {
      const created = await this.context.api().postJson('/api-keys', body);
      this.form.reset();
      showMessage(this.status, 'ok', `Key "${created.name}" created (${created.prefix}…).`);
      this.secret.value = created.key;
      this.dialog.showModal();
      this.secret.select();
      await this.load();
    } catch (error) {
      showError(this.status, error);
    }
  }

  /** The clipboard needs a secure context (https or localhost); elsewhere the key is selected for a manual copy. */
  async copy() {
    const status = byId('key-copy-status');
    try {
      await navigator.clipboard.writeText(this.secret.value);
      status.textContent = 'Copied.';
    } catch {
      this.secret.select();
      status.textContent = 'The browser does not allow copying here: the key is selected, press Ctrl+C (or Cmd+C).';
    }
  }

  /** @param {ApiKey} key */
  async revoke(key) {
    const own = key.prefix === this.context.keyPrefix() ? ' This is the key this page uses: the page stops working.' : '';
    if (!(await this.context.confirm(`Revoke key "${key.name}" (${key.prefix}…)? Calls with it fail from the next request.${own}`, 'Revoke'))) return;
    try {
      await this.context.api().request('DELETE', `/api-keys/${encodeURIComponent(key.id)}`);
      showMessage(this.status, 'ok', `Key "${key.name}" revoked.`);
      await this.load();
    } catch (error) {
      showError(this.status, error);
    }
  }
}

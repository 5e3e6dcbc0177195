// @ts-check
import { fitForUpload } from '../image-files.js';
import { ApiError } from '../api-client.js';
import { challengeAtCamera } from './probe.js';
import { busy, byId, el, showError, showMessage } from '../ui.js';

/** @typedef {{ id: string, name: string, externalId: string | null, faceCount: number, createdAt: string }} Person */

/** List, search, rename and delete people (delete asks for confirmation first). */
export class PeoplePanel {
  /** @param {import('./context.js').PanelContext} context */
  constructor(context) {
    this.context = context;
    this.list = byId('people-list');
    this.status = byId('people-status');
    this.more = byId('people-more');
    this.search = /** @type {HTMLInputElement} */ (byId('people-search'));
    /** @type {string | null} */
    this.cursor = null;
    /** @type {string | undefined} the collection of the people shown */
    this.shownCollection = undefined;
    /** People being deleted: a second click while the first DELETE runs is ignored. */
    this.deleting = new Set();
    /** Loads in flight: only the latest one's answer is shown (a tab switch, a search and a collection change can overlap). */
    this.loading = 0;
    byId('people-search-form').addEventListener('submit', (/** @type {Event} */ e) => {
      e.preventDefault();
      void this.load(true);
    });
    this.more.addEventListener('click', () => void busy(this.more, () => this.load(false)));
  }

  /** @param {boolean} reset start from the first page */
  async load(reset) {
    if (reset) this.cursor = null;
    const search = this.search.value.trim();
    const ticket = ++this.loading;
    const collection = this.context.collection();
    try {
      const page = await this.context.api().get('/users', { collection, search: search || undefined, limit: 20, cursor: this.cursor ?? undefined });
      if (ticket !== this.loading) return;
      // The people shown are this collection's: a challenge for one of them is taken there, whatever the field says now.
      this.shownCollection = collection;
      const rows = page.items.map((/** @type {Person} */ p) => this.row(p));
      if (reset) this.list.replaceChildren(...rows);
      else this.list.append(...rows);
      this.cursor = page.nextCursor;
      this.more.hidden = !page.nextCursor;
      const shown = this.list.children.length;
      this.status.textContent =
        shown === 0
          ? search
            ? `Nobody matches "${search}".`
            : 'Nobody is enrolled in this collection yet.'
          : `${shown} ${shown === 1 ? 'person' : 'people'} shown${page.nextCursor ? ' (more available)' : ''}.`;
    } catch (error) {
      if (ticket !== this.loading) return;
      this.list.replaceChildren();
      this.more.hidden = true;
      showError(this.status, error);
    }
  }

  /** @param {Person} person */
  row(person) {
    const label = person.externalId ? `${person.name} (${person.externalId})` : person.name;
    const name = el('strong', {}, person.name);
    const who = el(
      'div',
      { class: 'who' },
      name,
      el(
        'span',
        { class: 'meta' },
        [person.externalId, `${person.faceCount} photo(s)`, `enrolled ${new Date(person.createdAt).toLocaleDateString()}`].filter(Boolean).join(' · '),
      ),
    );
    const actions = el('div', { class: 'actions' });
    const item = el('li', { 'data-user-id': person.id }, who, actions);
    if (this.context.can('recognize')) actions.append(this.button('Verify', `Verify ${person.name}`, () => this.context.openVerify({ id: person.id, label })));
    if (this.context.can('enrol')) {
      actions.append(
        this.button('Add photos', `Add photos to ${person.name}`, () => this.addPhotos(person, item)),
        this.button('Rename', `Rename ${person.name}`, () => this.rename(person, item, name)),
      );
    }
    // Deleting a person is an admin's: an enrol key could otherwise re-enrol its own face under their id.
    if (this.context.can('admin')) actions.append(this.button('Delete', `Delete ${person.name}`, () => this.remove(person, item), 'danger'));
    return item;
  }

  /** @param {string} text @param {string} label @param {() => unknown} action @param {string} [kind] */
  button(text, label, action, kind = 'secondary') {
    const button = el('button', { type: 'button', class: kind, 'aria-label': label }, text);
    button.addEventListener('click', () => void action());
    return button;
  }

  /**
   * More photos for someone already enrolled (files; all must pass, or none is added, as for enrolment).
   * @param {Person} person @param {HTMLElement} item
   */
  addPhotos(person, item) {
    const input = /** @type {HTMLInputElement} */ (el('input', { type: 'file', accept: 'image/jpeg,image/png,image/webp', multiple: true, hidden: true }));
    input.addEventListener('change', async () => {
      const files = Array.from(input.files ?? []);
      input.remove();
      if (files.length === 0) return;
      try {
        const images = await Promise.all(files.map((f) => fitForUpload(f)));
        const added = await this.uploadFaces(person, images);
        const count = added.faces.length;
        item.replaceWith(this.row({ ...person, faceCount: person.faceCount + count }));
        showMessage(this.status, 'ok', `Added ${count} photo(s) to ${person.name}.`);
      } catch (error) {
        showError(this.status, error);
      }
    });
    item.append(input);
    input.click();
  }

  /**
   * Where the collection requires liveness tokens, a key without admin scope adds photos only with a challenge passed
   * by the person's face: the server says so (LIVENESS_REQUIRED), the person takes the challenge at the camera, and
   * the photos go again with its token.
   * @param {Person} person @param {Blob[]} images
   */
  async uploadFaces(person, images) {
    const post = (/** @type {string | undefined} */ livenessToken) =>
      this.context.api().postImages(`/users/${person.id}/faces`, 'files', images, { livenessToken });
    try {
      return await post(undefined);
    } catch (error) {
      if (!(error instanceof ApiError) || error.problem.code !== 'LIVENESS_REQUIRED') throw error;
      // Another challenge owns the camera card and the prompt: showing and hiding them here would disturb it.
      if (this.context.lock.liveness) throw new Error('A liveness challenge is already running.');
      const progress = (/** @type {string} */ text) => showMessage(this.status, 'warn', text);
      progress(`${person.name} takes the liveness challenge at the camera before photos are added.`);
      const started = !this.context.camera.running;
      this.context.showCamera(true);
      try {
        if (started && !(await this.context.startCamera()))
          throw new Error('The camera did not start: photos are added here only after the liveness challenge.');
        return await challengeAtCamera(this.context, progress, post, this.shownCollection);
      } finally {
        if (started) this.context.stopCamera();
        this.context.showCamera(false);
      }
    }
  }

  /** Inline rename: Enter saves, Escape cancels. @param {Person} person @param {HTMLElement} item @param {HTMLElement} name */
  rename(person, item, name) {
    const input = /** @type {HTMLInputElement} */ (
      el('input', { value: person.name, 'aria-label': `New name for ${person.name}`, maxlength: 200, required: true })
    );
    const save = el('button', { type: 'submit' }, 'Save');
    const cancel = el('button', { type: 'button', class: 'secondary' }, 'Cancel');
    const form = el('form', { class: 'row' }, input, save, cancel);
    const restore = () => {
      form.replaceWith(name);
      item.querySelector('.actions')?.removeAttribute('hidden');
      /** @type {HTMLElement | null} */ (item.querySelector('.actions button[aria-label^="Rename"]'))?.focus();
    };
    cancel.addEventListener('click', restore);
    form.addEventListener('keydown', (/** @type {KeyboardEvent} */ e) => e.key === 'Escape' && restore());
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void busy(/** @type {HTMLButtonElement} */ (save), async () => {
        try {
          const updated = await this.context.api().request('PATCH', `/users/${person.id}`, { json: { name: input.value.trim() } });
          // A fresh row: its buttons' labels name the person by the new name.
          const row = this.row({ ...person, name: updated.name });
          item.replaceWith(row);
          showMessage(this.status, 'ok', `Renamed to ${updated.name}.`);
          row.querySelector('button')?.focus();
        } catch (error) {
          showError(this.status, error);
        }
      });
    });
    item.querySelector('.actions')?.setAttribute('hidden', '');
    name.replaceWith(form);
    input.focus();
    input.select();
  }

  /** @param {Person} person @param {HTMLElement} item */
  async remove(person, item) {
    if (this.deleting.has(person.id)) return;
    this.deleting.add(person.id);
    try {
      await this.confirmAndDelete(person, item);
    } finally {
      this.deleting.delete(person.id);
    }
  }

  /** @param {Person} person @param {HTMLElement} item */
  async confirmAndDelete(person, item) {
    const sure = await this.context.confirm(
      `Delete ${person.name}${person.externalId ? ` (${person.externalId})` : ''} and all their ${person.faceCount} enrolled face(s)? This cannot be undone.`,
    );
    if (!sure) return;
    try {
      await this.context.api().request('DELETE', `/users/${person.id}`);
      const next = /** @type {HTMLElement | null} */ (item.nextElementSibling ?? item.previousElementSibling);
      item.remove();
      showMessage(this.status, 'ok', `Deleted ${person.name}.`);
      const button = /** @type {HTMLElement | null} */ (next?.querySelector('button') ?? null);
      (button ?? this.search).focus();
    } catch (error) {
      showError(this.status, error);
    }
  }
}

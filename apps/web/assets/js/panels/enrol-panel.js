// @ts-check
import { ApiError } from '../api-client.js';
import { fitForUpload } from '../image-files.js';
import { busy, byId, el, showError, showMessage } from '../ui.js';

const MAX_PHOTOS = 10;

/** Enrol a person from camera captures and/or files (1 to 10 photos, all checked by the server at once). */
export class EnrolPanel {
  /** @param {import('./context.js').PanelContext} context */
  constructor(context) {
    this.context = context;
    /** @type {Array<{ blob: Blob, url: string }>} */
    this.photos = [];
    this.form = /** @type {HTMLFormElement} */ (byId('enrol-form'));
    this.list = byId('enrol-photos');
    this.result = byId('enrol-result');
    byId('enrol-capture').addEventListener('click', () => this.capture());
    byId('enrol-files').addEventListener('change', (/** @type {Event} */ e) => void this.addFiles(/** @type {HTMLInputElement} */ (e.target)));
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      void busy(byId('enrol-submit'), () => this.submit());
    });
  }

  async capture() {
    try {
      this.add(await this.context.camera.capture());
    } catch (error) {
      showError(this.result, error);
    }
  }

  /** @param {HTMLInputElement} input */
  async addFiles(input) {
    const files = Array.from(input.files ?? []);
    input.value = '';
    for (const file of files) this.add(await fitForUpload(file));
  }

  /** @param {Blob} blob */
  add(blob) {
    if (this.photos.length >= MAX_PHOTOS) {
      showMessage(this.result, 'warn', `At most ${MAX_PHOTOS} photos per enrolment.`);
      return;
    }
    this.photos.push({ blob, url: URL.createObjectURL(blob) });
    this.render();
  }

  /** @param {number} index */
  remove(index) {
    URL.revokeObjectURL(this.photos[index].url);
    this.photos.splice(index, 1);
    this.render();
    // Focus stays in the tray: on the photo that took this one's place, else the capture button.
    const next = this.list.querySelectorAll('button')[Math.min(index, this.photos.length - 1)];
    (next ?? byId('enrol-capture')).focus();
  }

  /** @param {number} [rejected] the photo the server refused */
  render(rejected) {
    this.list.replaceChildren(
      ...this.photos.map((photo, i) => {
        const remove = el('button', { type: 'button', class: 'secondary', 'aria-label': `Remove photo ${i + 1}` }, 'Remove');
        remove.addEventListener('click', () => this.remove(i));
        return el('li', { class: i === rejected ? 'rejected' : undefined }, el('img', { src: photo.url, alt: `Photo ${i + 1}` }), remove);
      }),
    );
  }

  async submit() {
    const data = new FormData(this.form);
    const name = String(data.get('name') ?? '').trim();
    if (!name) return showMessage(this.result, 'error', "Enter the person's name.");
    if (this.photos.length === 0) return showMessage(this.result, 'error', 'Add at least one photo: capture from the camera or choose files.');
    showMessage(this.result, 'warn', `Enrolling ${name} with ${this.photos.length} photo(s)…`);
    try {
      const user = await this.context.api().postImages(
        '/users',
        'files',
        this.photos.map((p) => p.blob),
        {
          name,
          externalId: String(data.get('externalId') ?? '').trim() || undefined,
          collection: this.context.collection(),
        },
      );
      showMessage(
        this.result,
        'ok',
        `Enrolled ${user.name}${user.externalId ? ` (${user.externalId})` : ''} with ${user.faces.length} face(s) in ${user.collection}.`,
      );
      this.form.reset();
      this.photos.forEach((p) => URL.revokeObjectURL(p.url));
      this.photos = [];
      this.render();
    } catch (error) {
      showError(this.result, error);
      if (error instanceof ApiError && typeof error.problem.index === 'number') this.render(error.problem.index);
    }
  }
}

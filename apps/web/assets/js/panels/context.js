// @ts-check
/**
 * What every panel needs from the page, passed in rather than imported, so panels stay independent of each other.
 * @typedef {{
 *   api: () => import('../api-client.js').ApiClient,
 *   collection: () => string,
 *   camera: import('../camera.js').Camera,
 *   preview: import('../face-preview.js').FacePreview,
 *   prompt: HTMLElement,
 *   can: (scope: 'enrol' | 'recognize' | 'read' | 'admin') => boolean,
 *   confirm: (text: string, action?: string) => Promise<boolean>,
 *   confirmTyped: (text: string, word: string) => Promise<boolean>,
 *   keyPrefix: () => string,
 *   openVerify: (claim: { id: string, label: string }) => void,
 *   lock: { liveness: boolean },
 *   showCamera: (shown: boolean) => void,
 *   startCamera: () => Promise<boolean>,
 *   stopCamera: () => void,
 * }} PanelContext
 */
export {};

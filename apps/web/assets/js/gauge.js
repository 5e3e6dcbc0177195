// @ts-check
import { el } from './ui.js';

/**
 * The similarity as a bar against the threshold: the fill is the similarity (0..1), the dark mark the threshold;
 * green when at or above it. Exposed to assistive technology as a meter.
 * @param {number | null} similarity
 * @param {number} threshold
 * @param {string} label
 */
export function similarityGauge(similarity, threshold, label) {
  const value = similarity ?? 0;
  const pass = similarity !== null && similarity >= threshold;
  const percent = (/** @type {number} */ v) => `${(Math.max(0, Math.min(1, v)) * 100).toFixed(1)}%`;
  const bar = el('div', {
    class: 'gauge',
    role: 'meter',
    'aria-label': label,
    'aria-valuemin': 0,
    'aria-valuemax': 1,
    'aria-valuenow': value.toFixed(3),
    'aria-valuetext': `similarity ${formatScore(similarity)}, threshold ${threshold.toFixed(2)}`,
  });
  const fill = el('div', { class: `fill${pass ? ' pass' : ''}` });
  fill.style.width = percent(value);
  const mark = el('div', { class: 'threshold', title: `threshold ${threshold}` });
  mark.style.left = percent(threshold);
  bar.append(fill, mark);
  return bar;
}

/** @param {number | null} value */
export function formatScore(value) {
  return value === null ? 'n/a' : value.toFixed(3);
}

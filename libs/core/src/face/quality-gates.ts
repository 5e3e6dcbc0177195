import type { FaceQuality } from '@facegate/face-engine';
import type { AppConfig } from '../config/app-config';

export interface FailedCheck {
  check: 'detectorScore' | 'sharpness' | 'brightness' | 'yaw' | 'pitch' | 'roll';
  value: number;
  limit: string;
}

/**
 * The quality checks a face must pass, with the measured value and the limit for each failure. Defaults pass every
 * identity photo of the development set (sharpness >= 25.8, brightness 0.18-0.73, |yaw| <= 43.5, |pitch| <= 32.8,
 * |roll| <= 27 there) while blurred, dark and strongly rotated photos fail.
 */
export function failedChecks(q: FaceQuality, gates: AppConfig['quality']): FailedCheck[] {
  const failed: FailedCheck[] = [];
  if (q.detectorScore < gates.minDetectorScore) failed.push({ check: 'detectorScore', value: q.detectorScore, limit: `>= ${gates.minDetectorScore}` });
  if (q.sharpness < gates.minSharpness) failed.push({ check: 'sharpness', value: q.sharpness, limit: `>= ${gates.minSharpness}` });
  if (q.brightness < gates.minBrightness || q.brightness > gates.maxBrightness) {
    failed.push({ check: 'brightness', value: q.brightness, limit: `${gates.minBrightness}..${gates.maxBrightness}` });
  }
  if (Math.abs(q.yaw) > gates.maxYaw) failed.push({ check: 'yaw', value: q.yaw, limit: `|yaw| <= ${gates.maxYaw}` });
  if (Math.abs(q.pitch) > gates.maxPitch) failed.push({ check: 'pitch', value: q.pitch, limit: `|pitch| <= ${gates.maxPitch}` });
  if (Math.abs(q.roll) > gates.maxRoll) failed.push({ check: 'roll', value: q.roll, limit: `|roll| <= ${gates.maxRoll}` });
  return failed;
}

import { FaceEngineService } from '@facegate/core';
import type { TestApp } from './e2e-app';
import type { ChallengePlan } from './liveness-session';
import { photo, photoBytes } from './photos';

/**
 * Real head movements for the active challenge: ../shared/faces/live/026-037 (video_frame: one frame a second of a
 * webcam video of one person turning the head) and ../shared/faces/spoof/027-041 (the same video replayed on a
 * phone). The engine reads each frame's pose once; a plan answers each revealed step with the frames that show it.
 */
export const LIVE = Array.from({ length: 12 }, (_, i) => `live/${String(26 + i).padStart(3, '0')}.jpg`);
export const REPLAY = Array.from({ length: 15 }, (_, i) => `spoof/${String(27 + i).padStart(3, '0')}.jpg`);
/** Frames a step is answered with: a 1-fps clip has few frames per movement; a live camera streams more. */
const FRAMES_PER_STEP = 3;

/** README "Active liveness challenge": the documented thresholds, with a margin so a borderline frame is not picked. */
const TURN = 18 + 3;
const LOOK_UP = 12 + 2;
export const FRONTAL_YAW = 8;
export const FRONTAL_PITCH = 15;

export interface Pose {
  path: string;
  index: number;
  yaw: number;
  pitch: number;
}

export async function readPoses(app: TestApp, paths: string[]): Promise<Pose[]> {
  const engine = app.app.get(FaceEngineService);
  const poses = await Promise.all(
    paths.map(async (path, index) => {
      const face = (r: Awaited<ReturnType<FaceEngineService['analyze']>>) => r.faces[r.primaryIndex];
      // The judge reads head pose from the rigid 3-D fit of the 68 landmarks; so does the plan.
      const found = face(await engine.analyze(photoBytes(path), { details: 'primary', pose3d: true }));
      return found?.pose3d ? { path, index, yaw: found.pose3d.yaw, pitch: found.pose3d.pitch } : null;
    }),
  );
  return poses.filter((p): p is Pose => p !== null);
}

/** Does `frame` show `step` relative to `anchor` (engine yaw + = the subject's own left in an unmirrored frame)? */
export function shows(step: string, anchor: Pose, frame: Pose): boolean {
  const dYaw = frame.yaw - anchor.yaw;
  const dPitch = frame.pitch - anchor.pitch;
  if (step === 'turn_left') return dYaw >= TURN;
  if (step === 'turn_right') return dYaw <= -TURN;
  if (step === 'look_up') return dPitch <= -LOOK_UP && Math.abs(dYaw) < 8;
  return false;
}

const restsNear = (anchor: Pose, frame: Pose) => Math.abs(frame.yaw - anchor.yaw) < 8 && Math.abs(frame.pitch - anchor.pitch) < 8;

/**
 * A plan from one anchor: each revealed step is answered, as a camera streaming the movement would, by the frames that
 * show it (up to FRAMES_PER_STEP, in capture order from the last one used), preceded by a frame at rest; null when no
 * frame shows the step.
 */
export function planFrom(anchor: Pose, poses: Pose[], tailFrames: number): ChallengePlan & { used: string[] } {
  const used: string[] = [anchor.path];
  let cursor = anchor.index;
  return {
    used,
    anchor: [photo(anchor.path)],
    step(step, index) {
      // performChallenge reuses the plan for the next session when one is abandoned: each starts afresh.
      if (index === 0) {
        used.splice(1);
        cursor = anchor.index;
      }
      const candidates = poses.filter((p) => p.path !== anchor.path && !used.includes(p.path) && shows(step, anchor, p));
      const ordered = [...candidates.filter((p) => p.index > cursor), ...candidates.filter((p) => p.index <= cursor)];
      const picks = ordered.slice(0, FRAMES_PER_STEP);
      const pick = picks[picks.length - 1];
      if (!pick) return null;
      const frames: string[] = [];
      if (index > 0) {
        const rest = poses.find((p) => !used.includes(p.path) && p.path !== pick.path && restsNear(anchor, p));
        if (rest) {
          used.push(rest.path);
          frames.push(photo(rest.path));
        }
      }
      used.push(...picks.map((p) => p.path));
      cursor = pick.index;
      return [...frames, ...picks.map((p) => photo(p.path))];
    },
    // After the steps, the enforced passive check wants more frames: the clip's other frames nearest the rest pose
    // (the user looks back at the camera), in capture order.
    get tail() {
      const away = (p: Pose) => Math.abs(p.yaw - anchor.yaw) + Math.abs(p.pitch - anchor.pitch);
      const nearest = poses
        .filter((p) => !used.includes(p.path))
        .sort((a, b) => away(a) - away(b))
        .slice(0, tailFrames);
      return nearest.sort((a, b) => a.index - b.index).map((p) => photo(p.path));
    },
  };
}

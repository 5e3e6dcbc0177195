import { Box, Point } from '../geometry/geometry.types';
import type { HeadPose3d } from '../geometry/head-pose-3d';

/** The five points used for alignment, in image pixels, in ArcFace template order. */
export interface FivePoints {
  leftEye: Point;
  rightEye: Point;
  nose: Point;
  mouthLeft: Point;
  mouthRight: Point;
}

export interface FaceQuality {
  /** Side of the square face box in pixels of the oriented image. */
  sizePx: number;
  /** Detector confidence, 0..1. */
  detectorScore: number;
  /** Variance of the Laplacian of the aligned 112x112 grey face; below ~50 is visibly blurred. */
  sharpness: number;
  /** Mean grey level of the aligned face, 0 (black) .. 1 (white). */
  brightness: number;
  /** Head pose estimate in degrees from the five points: yaw (+ = turned to the image's right), pitch (+ = down), roll. */
  yaw: number;
  pitch: number;
  roll: number;
}

/** Expression measures from the 68 landmarks (see face-expression.ts); used by the active liveness challenge. */
export interface FaceExpression {
  /** Mean eye aspect ratio of both eyes: ~0.3 open, under ~0.15 closed. */
  eyeOpening: number;
  /** Mouth corner-to-corner width over the distance between the eye centres (grows with a smile). */
  mouthWidth: number;
  /** Inner-lip gap over the distance between the eye centres. */
  mouthOpening: number;
}

export interface AnalyzedFace {
  box: Box;
  score: number;
  /** Present for faces that were analysed in detail (the primary face, or all faces when asked). */
  landmarks?: FivePoints;
  quality?: FaceQuality;
  expression?: FaceExpression;
  /** Passive liveness probability that this is a live face (0..1), when asked. One weak signal, not a verdict. */
  liveness?: number;
  /** L2-normalised 512-d embedding, when asked. */
  embedding?: Float32Array;
  /** The 68 iBUG landmarks in image pixels, when asked (`landmarks68`). */
  landmarks68?: Point[];
  /** Rigid 3-D head pose fitted to the 68 landmarks, when asked (`pose3d`). */
  pose3d?: HeadPose3d;
  /** Shape-free region texture statistics (see face-texture.ts), when asked (`texture`). Not a picture of the face. */
  texture?: Float32Array;
}

export interface StageTimings {
  decode: number;
  detect: number;
  landmarks: number;
  align: number;
  embed: number;
  liveness: number;
}

export interface AnalyzeOptions {
  /** Which faces get landmarks, quality, embedding and liveness: only the primary one, or all of them. */
  details?: 'primary' | 'all' | 'none';
  embedding?: boolean;
  liveness?: boolean;
  /** Also search overlapping tiles for faces too small for the whole-image pass (group photos, crowds). ~4x detect cost. */
  smallFaces?: boolean;
  /** Also return the 68 landmarks, the 3-D head pose fitted to them, and the texture descriptor (active liveness). */
  landmarks68?: boolean;
  pose3d?: boolean;
  texture?: boolean;
}

export interface AnalysisResult {
  width: number;
  height: number;
  /** Every detected face, largest first. */
  faces: AnalyzedFace[];
  /** Index into `faces` of the face an enrolment or 1:1 check is about, or -1 when there is none. */
  primaryIndex: number;
  timings: StageTimings;
}

import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@facegate/common';
import { AnalysisResult, AnalyzedFace, Box, EMBEDDING_MODEL, FaceExpression, FaceQuality, HeadPose3d } from '@facegate/face-engine';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { FaceEngineService } from './face-engine.service';
import { failedChecks } from './quality-gates';

/** One face taken from a photo, ready to store or to search with. */
export interface ExtractedFace {
  embedding: Float32Array;
  box: Box;
  score: number;
  quality: FaceQuality;
  expression?: FaceExpression;
  liveness?: number;
  /** Challenge frames only: the rigid 3-D head pose and the region texture descriptor (see the liveness judge). */
  pose3d?: HeadPose3d;
  texture?: Float32Array;
}

/** The id stored with every face (its home is the face engine's EMBEDDING_MODEL). */
export const EMBEDDING_MODEL_ID = EMBEDDING_MODEL.id;

/**
 * The rules that turn a photo into the one face it is about. Enrolment is strict (an ambiguous photo would enrol
 * the wrong person); probes for verify/recognize take the primary face and ignore small background faces.
 */
@Injectable()
export class FaceRulesService {
  constructor(
    private readonly engine: FaceEngineService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * The image's bytes (base64 and data URLs decoded), checked for size and format without the engine: cheap, so a
   * request checks its images before it spends something on them (a liveness token).
   */
  checkedImage(image: string | Buffer): Buffer {
    return this.engine.imageBytes(image);
  }

  async forEnrolment(image: string | Buffer): Promise<ExtractedFace> {
    const result = await this.engine.analyze(image, { details: 'primary', embedding: true, liveness: true });
    const face = this.primary(result);
    this.rejectSecondFace(result, face);
    this.rejectLowQuality(face);
    return this.extracted(face);
  }

  /**
   * `liveness: false` skips the passive model (about a third of the engine's time per photo) where the collection's
   * policy neither reports nor enforces its score.
   */
  async forProbe(image: string | Buffer, { liveness = true }: { liveness?: boolean } = {}): Promise<ExtractedFace> {
    const result = await this.engine.analyze(image, { details: 'primary', embedding: true, liveness });
    const face = this.primary(result);
    if (this.config.quality.gateProbes) this.rejectLowQuality(face);
    return this.extracted(face);
  }

  /**
   * One frame of a liveness challenge: its decoded bytes (whatever the transport encoding, so repeats are caught) and
   * the primary face with pose and expression, or null when the frame has no face of usable size (the person moved
   * out of view; the challenge skips the frame rather than failing).
   */
  async forChallengeFrame(image: string | Buffer): Promise<{ bytes: Buffer; face: ExtractedFace | null }> {
    const bytes = this.engine.imageBytes(image);
    const result = await this.engine.analyze(bytes, { details: 'primary', embedding: true, liveness: true, pose3d: true, texture: true });
    let face: AnalyzedFace;
    try {
      face = this.primary(result);
    } catch (error) {
      if (error instanceof DomainError && (error.code === 'NO_FACE' || error.code === 'FACE_TOO_SMALL')) return { bytes, face: null };
      throw error;
    }
    if (!face.expression || !face.pose3d || !face.texture) throw new DomainError('ENGINE_FAILURE', 'The face engine returned no pose or expression measures.');
    return { bytes, face: { ...this.extracted(face), pose3d: face.pose3d, texture: face.texture } };
  }

  /**
   * Every usable face of a group photo (at least the minimum size, at most `max`, largest first), embedded for 1:N.
   * Faces below the size floor are skipped rather than refused: a crowd always has some.
   */
  async forGroupProbe(image: string | Buffer, max: number, { liveness = true }: { liveness?: boolean } = {}): Promise<ExtractedFace[]> {
    const result = await this.engine.analyze(image, { details: 'all', embedding: true, liveness, smallFaces: true });
    const usable = result.faces.filter((f) => (f.quality?.sizePx ?? 0) >= this.config.enrolment.minFaceSize).slice(0, max);
    if (usable.length === 0) throw new DomainError('NO_FACE', 'No face of usable size was found in the image.');
    return usable.map((f) => this.extracted(f));
  }

  /** Every face with landmarks and quality, small faces included (the /detect endpoint). */
  detectAll(image: string | Buffer, smallFaces: boolean): Promise<AnalysisResult> {
    return this.engine.analyze(image, { details: 'all', smallFaces });
  }

  /**
   * Why enrolment would refuse this face (size, quality gates, a rival face of similar size among `all`): the web
   * page's hint before capture uses the server's rules instead of guessing them.
   */
  enrolmentIssues(face: AnalyzedFace, all: AnalyzedFace[]): string[] {
    const issues = face.quality ? failedChecks(face.quality, this.config.quality).map((f) => f.check as string) : [];
    const size = face.quality?.sizePx ?? side(face);
    if (size < this.config.enrolment.minFaceSize) issues.unshift('size');
    // As enrolment judges the largest face: another face at least secondFaceRatio of this one's size is a rival.
    if (all.some((other) => other !== face && side(other) >= this.config.enrolment.secondFaceRatio * side(face))) issues.push('second_face');
    return issues;
  }

  private primary(result: AnalysisResult): AnalyzedFace {
    if (result.primaryIndex < 0) throw new DomainError('NO_FACE', 'No face was found in the image.');
    const face = result.faces[result.primaryIndex];
    const size = face.quality?.sizePx ?? Math.max(face.box.width, face.box.height);
    const min = this.config.enrolment.minFaceSize;
    if (size < min)
      throw new DomainError('FACE_TOO_SMALL', `The face is ${Math.round(size)} px; at least ${min} px is needed.`, {
        sizePx: Math.round(size),
        minFaceSize: min,
      });
    return face;
  }

  private rejectSecondFace(result: AnalysisResult, primary: AnalyzedFace): void {
    const largest = Math.max(...result.faces.map(side));
    const ratio = this.config.enrolment.secondFaceRatio;
    const rivals = result.faces.filter((f) => f !== primary && side(f) >= ratio * largest);
    if (rivals.length > 0) {
      throw new DomainError('MULTIPLE_FACES', `${rivals.length + 1} faces of similar size were found; an enrolment photo must show one person.`, {
        faces: rivals.length + 1,
      });
    }
  }

  private rejectLowQuality(face: AnalyzedFace): void {
    const failed = face.quality ? failedChecks(face.quality, this.config.quality) : [];
    if (failed.length === 0) return;
    const measures = Object.fromEntries(failed.map((f) => [f.check, f.value]));
    throw new DomainError('LOW_QUALITY', `The face fails: ${failed.map((f) => `${f.check} ${f.value} (needs ${f.limit})`).join('; ')}.`, {
      failedChecks: failed.map((f) => f.check),
      ...measures,
    });
  }

  private extracted(face: AnalyzedFace): ExtractedFace {
    if (!face.embedding || !face.quality) throw new DomainError('ENGINE_FAILURE', 'The face engine returned no embedding.');
    return { embedding: face.embedding, box: face.box, score: face.score, quality: face.quality, expression: face.expression, liveness: face.liveness };
  }
}

function side(face: AnalyzedFace): number {
  return Math.max(face.box.width, face.box.height);
}

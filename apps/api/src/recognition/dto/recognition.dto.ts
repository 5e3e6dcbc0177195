import type { CompareInput, RecognizeInput, VerifyInput } from '@facegate/core';
import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_TOP_K } from '@facegate/database';
import { IsBoolean, IsInt, IsNumber, IsOptional, IsUUID, Max, Min, ValidateIf } from 'class-validator';
import { IsImageInput } from '../../common/image-input.validator';
import { LivenessTokenField } from '../../common/liveness-token.field';
import { BoxDto, CollectionField, ExternalIdField, QualityDto } from '../../users/dto/user.dto';

const SIMILARITY =
  "Cosine similarity of the best match, cut to 4 decimals (the decision uses the exact value). null when there is no match, unless the collection sets exposeScores: a rejection's score would let a caller hill-climb an image towards someone.";
const THRESHOLD = "The threshold that decided: the collection's matchThreshold, or the request's threshold when that is higher.";
const CONFIDENCE = 'How far the similarity is from the threshold (high >= 0.15, medium >= 0.05, low closer). null when the similarity is withheld.';
const IMAGE = {
  type: String,
  description: 'Face photo: base64 or data URL. Multipart: field `file`.',
  example: 'data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ...',
};
/** A per-request match threshold in [0, 1]: it can only make the decision stricter than the collection's. */
function ThresholdField(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      minimum: 0,
      maximum: 1,
      description:
        "Cosine similarity needed for a match. It can only raise the collection's matchThreshold (default: the server threshold, 0.42): the larger of the two decides, and the answer's `threshold` says which.",
    }),
    IsOptional(),
    IsNumber({ allowNaN: false, allowInfinity: false }),
    Min(0),
    Max(1),
  );
}

/** The probe photo of /verify and /recognize: required unless the probe is a stored face (faceId). */
function ProbeImageField(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ ...IMAGE, description: `${IMAGE.description} Required unless faceId is given.` }),
    ValidateIf((o: { faceId?: unknown }) => o.faceId === undefined),
    IsImageInput(),
  );
}

/** A stored face as the probe instead of a photo (admin only): its embedding is searched as is. */
function ProbeFaceIdField(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      format: 'uuid',
      description:
        'Admin only: a stored face of this collection as the probe instead of a photo (no image is sent; the stored embedding is searched). It is no live capture: no liveness score, no livenessToken, challengePassed false. Give image or faceId, not both.',
    }),
    // Not IsOptional, which would let null through as "no face id": only an absent field is absent.
    ValidateIf((o: { faceId?: unknown }) => o.faceId !== undefined),
    IsUUID(),
  );
}

export class VerifyDto implements VerifyInput {
  @ApiPropertyOptional({ format: 'uuid', description: 'The claimed person (or give externalId).' })
  @IsOptional()
  @IsUUID()
  userId?: string;

  @ExternalIdField('The claimed person by your own identifier (or give userId).')
  externalId?: string;

  @CollectionField()
  collection?: string;

  @ProbeImageField()
  image?: string | Buffer;

  @ProbeFaceIdField()
  faceId?: string;

  @ThresholdField()
  threshold?: number;

  @LivenessTokenField()
  livenessToken?: string;
}

export class RecognizeDto implements RecognizeInput {
  @ProbeImageField()
  image?: string | Buffer;

  @ProbeFaceIdField()
  faceId?: string;

  @CollectionField()
  collection?: string;

  @ThresholdField()
  threshold?: number;

  @LivenessTokenField()
  livenessToken?: string;

  @ApiPropertyOptional({
    default: false,
    description:
      'Answer for every face of usable size in the photo (largest 50 first) instead of the main face: the response is then {threshold, faces: [...]}.',
  })
  @IsOptional()
  @IsBoolean()
  all?: boolean;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_TOP_K, default: 1, description: 'How many distinct candidates to return.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_TOP_K)
  topK?: number;
}

export class DetectDto {
  @ApiProperty(IMAGE)
  @IsImageInput()
  image!: string | Buffer;

  @ApiPropertyOptional({
    default: true,
    description:
      'Also search a 2x2 grid of tiles at twice the resolution for small faces (group photos). `false`: one detector pass, about a fifth of the work, for live previews where the face is large.',
  })
  @IsOptional()
  @IsBoolean()
  smallFaces?: boolean;
}

export class CompareDto implements CompareInput {
  @CollectionField()
  collection?: string;

  @ApiProperty(IMAGE)
  @IsImageInput()
  imageA!: string | Buffer;

  @ApiProperty(IMAGE)
  @IsImageInput()
  imageB!: string | Buffer;
}

export class UserRefDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, nullable: true, example: 'employee-1815' }) externalId!: string | null;
  @ApiProperty({ example: 'Ada Lovelace' }) name!: string;
}

export class LivenessDto {
  @ApiProperty({ type: Number, nullable: true, example: 0.97, description: 'Passive liveness score 0..1 (null when the policy is off).' }) score!:
    number | null;
  @ApiProperty({ type: Boolean, nullable: true, example: true }) live!: boolean | null;
  @ApiProperty({ enum: ['off', 'advisory', 'enforce'], example: 'advisory' }) mode!: string;
  @ApiProperty({ example: true, description: 'A liveness token from a passed active challenge was presented and accepted for this face.' })
  challengePassed!: boolean;
}

export class ProbeFaceDto {
  @ApiProperty({ type: BoxDto }) box!: BoxDto;
  @ApiProperty({ example: 0.9998 }) score!: number;
  @ApiProperty({ type: QualityDto }) quality!: QualityDto;
}

export class VerifyResponseDto {
  @ApiProperty({ example: true }) verified!: boolean;
  @ApiProperty({ type: Number, example: 0.71, nullable: true, description: SIMILARITY }) similarity!: number | null;
  @ApiProperty({ example: 0.42, description: THRESHOLD }) threshold!: number;
  @ApiProperty({ enum: ['high', 'medium', 'low'], example: 'high', nullable: true, description: CONFIDENCE }) confidence!: string | null;
  @ApiProperty({ type: UserRefDto, nullable: true, description: 'The claimed person when verified; null when the claim is rejected.' })
  user!: UserRefDto | null;
  @ApiProperty({ type: LivenessDto }) liveness!: LivenessDto;
  @ApiProperty({ type: ProbeFaceDto }) face!: ProbeFaceDto;
}

export class CandidateDto {
  @ApiProperty({ type: UserRefDto }) user!: UserRefDto;
  @ApiProperty({ example: 0.71 }) similarity!: number;
}

/** One face of a photo, recognised: the answer for the main face, and each face of `all: true`. */
export class RecognizedFaceDto {
  @ApiProperty({ example: true }) match!: boolean;
  @ApiProperty({ type: UserRefDto, nullable: true }) user!: UserRefDto | null;
  @ApiProperty({ type: Number, example: 0.71, nullable: true, description: SIMILARITY }) similarity!: number | null;
  @ApiProperty({ enum: ['high', 'medium', 'low'], nullable: true, description: CONFIDENCE }) confidence!: string | null;
  @ApiProperty({
    type: [CandidateDto],
    description: 'Nearest distinct people, best first (at most topK): only those at or above the threshold unless the collection sets exposeScores.',
  })
  candidates!: CandidateDto[];
  @ApiProperty({ type: ProbeFaceDto }) face!: ProbeFaceDto;
  @ApiProperty({ type: LivenessDto }) liveness!: LivenessDto;
}

/** The answer for the main face (without `all: true`). */
export class RecognizeResponseDto extends RecognizedFaceDto {
  @ApiProperty({ example: 0.42, description: THRESHOLD }) threshold!: number;
}

/** The answer to `all: true`: every usable face of the photo, largest first. */
export class RecognizeAllResponseDto {
  @ApiProperty({ example: 0.42, description: THRESHOLD }) threshold!: number;
  @ApiProperty({ type: [RecognizedFaceDto] }) faces!: RecognizedFaceDto[];
}

export class PointDto {
  @ApiProperty({ example: 106.2, description: 'Pixels from the left edge of the image.' }) x!: number;
  @ApiProperty({ example: 114.5, description: 'Pixels from the top edge of the image.' }) y!: number;
}

export class LandmarksDto {
  @ApiProperty({ type: PointDto }) leftEye!: PointDto;
  @ApiProperty({ type: PointDto }) rightEye!: PointDto;
  @ApiProperty({ type: PointDto }) nose!: PointDto;
  @ApiProperty({ type: PointDto }) mouthLeft!: PointDto;
  @ApiProperty({ type: PointDto }) mouthRight!: PointDto;
}

export class ExpressionDto {
  @ApiProperty({ example: 0.28, description: 'Eye aspect ratio of both eyes: ~0.3 open, under ~0.15 closed.' }) eyeOpening!: number;
  @ApiProperty({ example: 0.79, description: 'Mouth width over the distance between the eyes (a smile widens it).' }) mouthWidth!: number;
  @ApiProperty({ example: 0.03, description: 'Lip gap over the distance between the eyes.' }) mouthOpening!: number;
}

export class EnrolmentCheckDto {
  @ApiProperty({ example: false, description: 'Whether this face alone passes the enrolment gates.' }) ok!: boolean;
  @ApiProperty({
    example: ['size'],
    description:
      "Failed gates: `size` (below FACEGATE_MIN_FACE_SIZE), `detectorScore`, `sharpness`, `brightness`, `yaw`, `pitch`, `roll`, `second_face` (another face at least FACEGATE_SECOND_FACE_RATIO of this one's size: the photo would be refused as MULTIPLE_FACES).",
  })
  issues!: string[];
}

export class DetectedFaceDto {
  @ApiProperty({ type: BoxDto }) box!: BoxDto;
  @ApiProperty({ example: 0.9998 }) score!: number;
  @ApiProperty({ type: LandmarksDto }) landmarks!: LandmarksDto;
  @ApiProperty({ type: QualityDto }) quality!: QualityDto;
  @ApiProperty({ type: ExpressionDto, description: 'What the liveness challenge reads for blink and smile.' }) expression!: ExpressionDto;
  @ApiProperty({ type: EnrolmentCheckDto, description: 'Would enrolment accept this face (a hint before capture)?' }) enrolment!: EnrolmentCheckDto;
}

export class DetectResponseDto {
  @ApiProperty({ example: 250 }) width!: number;
  @ApiProperty({ example: 250 }) height!: number;
  @ApiProperty({ type: [DetectedFaceDto] }) faces!: DetectedFaceDto[];
}

export class CompareResponseDto {
  @ApiProperty({ type: Number, example: 0.71, nullable: true, description: SIMILARITY }) similarity!: number | null;
  @ApiProperty({ example: true }) match!: boolean;
  @ApiProperty({ example: 0.42, description: "The collection's matchThreshold." }) threshold!: number;
  @ApiProperty({ enum: ['high', 'medium', 'low'], nullable: true, description: CONFIDENCE }) confidence!: string | null;
}

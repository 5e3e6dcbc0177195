import {
  COLLECTION_NAME,
  HasPlainKeys,
  IsPlainText,
  MAX_FACES_PER_USER_LIMIT,
  type CreateUserInput,
  type ListUsersQuery,
  type UpdateUserInput,
} from '@facegate/core';
import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { Transform } from 'class-transformer';
import { IsImageInput } from '../../common/image-input.validator';
import { LivenessTokenField } from '../../common/liveness-token.field';
import { KeepAsSent } from '../../common/keep-as-sent.transform';
import { PageLimitField } from '../../common/page-limit.field';

/** An optional collection name: 1-64 lowercase letters, digits, "-" or "_"; absent means "default". */
export function CollectionField(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ example: 'default', description: 'Collection (gallery) name; default "default".' }),
    IsOptional(),
    IsString(),
    Matches(COLLECTION_NAME, { message: 'collection must be 1-64 lowercase letters, digits, "-" or "_"' }),
  );
}
/** Admin-only override of the one-person rule; audited. */
function AllowMismatchField(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      default: false,
      description: 'Admin keys only (FORBIDDEN otherwise), audited: store photos that do not match each other or the person (otherwise 422 FACE_MISMATCH).',
    }),
    IsOptional(),
    IsBoolean(),
  );
}

function AllowDuplicateField(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      default: false,
      description:
        'Admin keys only (FORBIDDEN otherwise), audited: enrol even if a photo matches another person of the collection above the threshold (otherwise 409 DUPLICATE_FACE).',
    }),
    IsOptional(),
    IsBoolean(),
  );
}

const IMAGE_EXAMPLE = 'data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ...';

/** The caller's own identifier for a person: unique within a collection. */
export function ExternalIdField(description = 'Your own identifier; unique within the collection.'): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ example: 'employee-1815', description, maxLength: 200 }),
    IsOptional(),
    IsString(),
    MinLength(1),
    MaxLength(200),
    IsPlainText(),
  );
}

export class CreateUserDto implements CreateUserInput {
  @ApiProperty({ example: 'Ada Lovelace', maxLength: 200, description: 'No control, bidi or other invisible format characters.' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @IsPlainText()
  name!: string;

  @ExternalIdField()
  externalId?: string;

  @CollectionField()
  collection?: string;

  @ApiProperty({
    type: [String],
    minItems: 1,
    maxItems: 10,
    example: [IMAGE_EXAMPLE],
    description: 'Face photos (base64 or data URLs), one person each. Multipart: field `files` (or `file`).',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @IsImageInput({ each: true })
  images!: Array<string | Buffer>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { department: 'engineering' }, description: 'Free JSON object, at most 16 KB.' })
  @IsOptional()
  @IsObject()
  @HasPlainKeys()
  @KeepAsSent()
  metadata?: Record<string, unknown>;

  @AllowDuplicateField()
  allowDuplicate?: boolean;

  @AllowMismatchField()
  allowMismatch?: boolean;
}

/**
 * For PATCH fields: absent means "leave as is", but a value that is present (null included) must be valid.
 * IsOptional would let null through to a NOT NULL column.
 */
export const OptionalNotNull = () => ValidateIf((_object, value) => value !== undefined);

export class UpdateUserDto implements UpdateUserInput {
  @ApiPropertyOptional({ example: 'Ada King' })
  @OptionalNotNull()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @IsPlainText()
  name?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { department: 'research' } })
  @OptionalNotNull()
  @IsObject()
  @HasPlainKeys()
  @KeepAsSent()
  metadata?: Record<string, unknown>;
}

export class AddFacesDto {
  @ApiProperty({ type: [String], minItems: 1, maxItems: 10, example: [IMAGE_EXAMPLE] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @IsImageInput({ each: true })
  images!: Array<string | Buffer>;

  @AllowDuplicateField()
  allowDuplicate?: boolean;

  @AllowMismatchField()
  allowMismatch?: boolean;

  @LivenessTokenField(
    "Token of a liveness challenge passed by the person's face; every new photo must show that face. Required from keys without admin scope in a collection that sets requireLivenessToken (LIVENESS_REQUIRED otherwise), and spent by the request whatever its answer after the photos' format and count are checked: only a caller that passed a challenge learns anything about the person here. Ignored where it is not required.",
  )
  livenessToken?: string;
}

export class DeleteFacesDto {
  @ApiProperty({
    type: [String],
    format: 'uuid',
    minItems: 1,
    maxItems: MAX_FACES_PER_USER_LIMIT,
    uniqueItems: true,
    description: 'Faces of this person to delete, all or nothing: if any id is not one of their faces, none is deleted (FACE_NOT_FOUND names them).',
  })
  // One spelling per id before the uniqueness check: the database answers uuids in lower case.
  @Transform(({ value }: { value: unknown }) => (Array.isArray(value) ? value.map((v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v)) : value))
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_FACES_PER_USER_LIMIT)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  faceIds!: string[];
}

export class ListUsersQueryDto implements ListUsersQuery {
  @CollectionField()
  collection?: string;

  @PageLimitField(100, 20)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor from the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({ maxLength: 200, example: 'ada', description: 'Only people whose name or externalId contains this text (case-insensitive).' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  search?: string;
}

export class BoxDto {
  @ApiProperty({ example: 85.1 }) x!: number;
  @ApiProperty({ example: 68.8 }) y!: number;
  @ApiProperty({ example: 87 }) width!: number;
  @ApiProperty({ example: 121.4 }) height!: number;
}

export class QualityDto {
  @ApiProperty({ example: 121 }) sizePx!: number;
  @ApiProperty({ example: 0.999 }) detectorScore!: number;
  @ApiProperty({ example: 66.8, description: 'Variance of the Laplacian of the aligned face; below ~50 looks blurred.' }) sharpness!: number;
  @ApiProperty({ example: 0.45, description: 'Mean grey level 0..1.' }) brightness!: number;
  @ApiProperty({ example: -10.8 }) yaw!: number;
  @ApiProperty({ example: 1.6 }) pitch!: number;
  @ApiProperty({ example: 5.1 }) roll!: number;
}

export class FaceDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: BoxDto }) box!: BoxDto;
  @ApiProperty({ example: 0.9998 }) score!: number;
  @ApiProperty({ type: QualityDto }) quality!: QualityDto;
  @ApiProperty() createdAt!: Date;
}

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, nullable: true, example: 'employee-1815' }) externalId!: string | null;
  @ApiProperty({ example: 'Ada Lovelace' }) name!: string;
  @ApiProperty({ example: 'default' }) collection!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { department: 'engineering' } }) metadata!: Record<string, unknown>;
  @ApiProperty({ type: [FaceDto] }) faces!: FaceDto[];
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class UserSummaryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, nullable: true }) externalId!: string | null;
  @ApiProperty() name!: string;
  @ApiProperty({ example: 3 }) faceCount!: number;
  @ApiProperty() createdAt!: Date;
}

export class UserPageDto {
  @ApiProperty({ type: [UserSummaryDto] }) items!: UserSummaryDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as ?cursor= for the next page; null on the last page.' }) nextCursor!: string | null;
}

export class AddedFacesDto {
  @ApiProperty({ type: [FaceDto] }) faces!: FaceDto[];
}

export class DeletedFacesDto {
  @ApiProperty({ description: 'Faces deleted (their embeddings are gone).' }) deleted!: number;
  @ApiProperty({ description: 'Faces the person still has.' }) remaining!: number;
}

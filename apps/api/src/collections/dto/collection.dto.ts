import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsNumber, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { IsPlainText } from '../../common/plain-text.validator';
import { LIVENESS_MODES } from '../../recognition/liveness-policy';
import { COLLECTION_NAME } from '../../users/dto/user.dto';

export class CollectionSettingsDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: 1,
    example: 0.4,
    description: 'Match threshold for this collection (default: the server threshold). Requests may raise it for themselves, never lower it.',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  matchThreshold?: number;

  @ApiPropertyOptional({ enum: LIVENESS_MODES, default: 'advisory', description: 'Passive liveness: off, advisory (reported only) or enforce (SPOOF_SUSPECTED below the threshold).' })
  @IsOptional()
  @IsIn(LIVENESS_MODES)
  livenessMode?: (typeof LIVENESS_MODES)[number];

  @ApiPropertyOptional({ minimum: 0, maximum: 1, example: 0.9, description: 'Passive liveness score needed to count as live (default FACEGATE_LIVENESS_THRESHOLD).' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  livenessThreshold?: number;

  @ApiPropertyOptional({
    default: false,
    description: 'Require a liveness token from a passed active challenge (POST /liveness/sessions) on every /verify and /recognize (LIVENESS_REQUIRED otherwise).',
  })
  @IsOptional()
  @IsBoolean()
  requireLivenessToken?: boolean;

  @ApiPropertyOptional({
    default: false,
    description:
      'Show similarities below the threshold: candidates and scores of non-matches in /recognize, /verify and /compare. Off by default: those scores let a caller hill-climb an image towards a person (an oracle). Turn on only for trusted callers, e.g. to calibrate.',
  })
  @IsOptional()
  @IsBoolean()
  exposeScores?: boolean;
}

export class CreateCollectionDto {
  @ApiProperty({ example: 'conference-2026', description: '1-64 lowercase letters, digits, "-" or "_"' })
  @IsString()
  @Matches(COLLECTION_NAME, { message: 'name must be 1-64 lowercase letters, digits, "-" or "_"' })
  name!: string;

  @ApiPropertyOptional({ example: 'Attendees of the 2026 conference', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  @IsPlainText()
  description?: string;

  @ApiPropertyOptional({ type: CollectionSettingsDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CollectionSettingsDto)
  settings?: CollectionSettingsDto;
}

export class UpdateCollectionDto {
  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  @IsPlainText()
  description?: string;

  @ApiPropertyOptional({ type: CollectionSettingsDto, description: 'Replaces the settings.' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CollectionSettingsDto)
  settings?: CollectionSettingsDto;
}

export class CollectionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'conference-2026' }) name!: string;
  @ApiProperty({ nullable: true }) description!: string | null;
  @ApiProperty({ type: CollectionSettingsDto }) settings!: CollectionSettingsDto;
  @ApiProperty({ example: 120 }) users!: number;
  @ApiProperty({ example: 360 }) faces!: number;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

import { ApiProperty } from '@nestjs/swagger';
import { COLLECTION_PURPOSES, CollectionPurpose, CollectionSettingsDto, LIVENESS_MODES } from '@facegate/core';

export class CollectionPolicyDto {
  @ApiProperty({ enum: COLLECTION_PURPOSES }) purpose!: CollectionPurpose;
  @ApiProperty({ example: 0.42 }) matchThreshold!: number;
  @ApiProperty({ enum: LIVENESS_MODES }) livenessMode!: (typeof LIVENESS_MODES)[number];
  @ApiProperty({ example: 0.04 }) livenessThreshold!: number;
  @ApiProperty() requireLivenessToken!: boolean;
  @ApiProperty() exposeScores!: boolean;
}

export class CollectionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'conference-2026' }) name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: CollectionSettingsDto, description: 'What was set.' }) settings!: CollectionSettingsDto;
  @ApiProperty({ type: CollectionPolicyDto, description: "The policy in force: the settings, the purpose's defaults and the server's." })
  policy!: CollectionPolicyDto;
  @ApiProperty({ example: 120 }) users!: number;
  @ApiProperty({ example: 360 }) faces!: number;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

import type { AuditQuery } from '@facegate/core';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsOptional, IsString, IsUUID, MaxDate, MaxLength, MinDate } from 'class-validator';
import { EARLIEST_DATE, LATEST_DATE } from '@facegate/core';
import { CollectionField } from '../../users/dto/user.dto';
import { PageLimitField } from '../../common/page-limit.field';

export class AuditQueryDto implements AuditQuery {
  @CollectionField()
  collection?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  userId?: string;

  @ApiPropertyOptional({ example: 'rejected', description: 'success, rejected, locked_out, or an error code such as NO_FACE' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  outcome?: string;

  @ApiPropertyOptional({ example: 'verify' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  action?: string;

  @ApiPropertyOptional({ example: '2026-11-01T00:00:00Z' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  @MinDate(EARLIEST_DATE)
  @MaxDate(LATEST_DATE)
  from?: Date;

  @ApiPropertyOptional({ example: '2026-12-01T00:00:00Z' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  @MinDate(EARLIEST_DATE)
  @MaxDate(LATEST_DATE)
  to?: Date;

  @PageLimitField(200, 50)
  limit?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class AuditEventDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() at!: Date;
  @ApiProperty({ example: 'verify' }) action!: string;
  @ApiProperty({ example: 'rejected' }) outcome!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) keyId!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'default' }) collection!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) userId!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 0.12 }) similarity!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 0.98 }) liveness!: number | null;
  @ApiProperty({ type: String, nullable: true, example: '10.0.0.7' }) clientIp!: string | null;
  @ApiProperty({ type: String, nullable: true }) requestId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { threshold: 0.42 } }) details!: Record<string, unknown>;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEventDto] }) items!: AuditEventDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

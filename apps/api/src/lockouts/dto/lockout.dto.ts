import type { ClearLockoutQuery, ListLockoutsQuery } from '@facegate/core';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { CollectionField } from '../../users/dto/user.dto';
import { PageLimitField } from '../../common/page-limit.field';

export class ListLockoutsQueryDto implements ListLockoutsQuery {
  @CollectionField()
  collection?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only this person.' })
  @IsOptional()
  @IsUUID()
  userId?: string;

  @PageLimitField(500, 100)
  limit?: number;
}

export class ClearLockoutQueryDto implements ClearLockoutQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Clear only the lock this key caused; absent = every key.' })
  @IsOptional()
  @IsUUID()
  keyId?: string;
}

export class LockoutDto {
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty({ type: String, nullable: true, example: 'employee-1815' }) externalId!: string | null;
  @ApiProperty({ example: 'Ada Lovelace' }) name!: string;
  @ApiProperty({ example: 'default' }) collection!: string;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description:
      'The key whose failed attempts caused the lock; only that key is locked out. null for an admin bound to collections when the key is not one it may see (GET /api-keys).',
  })
  keyId!: string | null;
  @ApiProperty({ type: String, example: 'fg_3kq9x', nullable: true }) keyPrefix!: string | null;
  @ApiProperty({ type: String, example: 'kiosk-lobby', nullable: true }) keyName!: string | null;
  @ApiProperty() lockedUntil!: Date;
}

export class LockoutListDto {
  @ApiProperty({ type: [LockoutDto] }) items!: LockoutDto[];
}

import { ApiProperty } from '@nestjs/swagger';

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'kiosk-lobby' }) name!: string;
  @ApiProperty({ example: 'a1b2c3d4', description: 'Public prefix, to recognise the key in lists and logs.' }) prefix!: string;
  @ApiProperty({ example: ['recognize'] }) scopes!: string[];
  @ApiProperty({ example: ['conference-2026'] }) collections!: string[];
  @ApiProperty() createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastUsedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt!: Date | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ example: 'fg_a1b2c3d4_...', description: 'The key itself. Shown only in this response: store it now.' }) key!: string;
}

import { ApiProperty } from '@nestjs/swagger';

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'kiosk-lobby' }) name!: string;
  @ApiProperty({ example: 'a1b2c3d4', description: 'Public prefix, to recognise the key in lists and logs.' }) prefix!: string;
  @ApiProperty({ example: ['recognize'] }) scopes!: string[];
  @ApiProperty({ example: ['conference-2026'], description: 'The collections the key is bound to, by their current names.' }) collections!: string[];
  @ApiProperty({
    example: false,
    description:
      'True when the key is bound to no collection and reaches every one. A bound key whose collections were all deleted lists none here and reaches none.',
  })
  allCollections!: boolean;
  @ApiProperty() createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastUsedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt!: Date | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ example: 'fg_a1b2c3d4_...', description: 'The key itself. Shown only in this response: store it now.' }) key!: string;
}

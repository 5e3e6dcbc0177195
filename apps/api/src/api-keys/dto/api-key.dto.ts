import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { SCOPES } from '../../auth/access.decorator';
import { IsPlainText } from '../../common/plain-text.validator';
import { COLLECTION_NAME } from '../../users/dto/user.dto';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'kiosk-lobby', maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @IsPlainText()
  name!: string;

  @ApiProperty({ enum: SCOPES, isArray: true, example: ['recognize'], description: 'admin: collections, keys, audit (and everything else); enrol: users write; recognize: verify, recognize, detect, compare; read: users read, stats' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(4)
  @ArrayUnique()
  @IsIn(SCOPES, { each: true })
  scopes!: string[];

  @ApiProperty({ type: [String], required: false, example: ['conference-2026'], description: 'Collections the key is confined to; empty or absent = all.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(COLLECTION_NAME, { each: true, message: 'each collection must be 1-64 lowercase letters, digits, "-" or "_"' })
  collections?: string[];
}

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

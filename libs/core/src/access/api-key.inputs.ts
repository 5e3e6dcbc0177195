import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { COLLECTION_NAME } from '../collections/collection-name';
import { IsPlainText } from '../common/plain-text.validator';
import { SCOPES } from './actor';

/** A new API key, validated the same way by POST /keys and by `facegate keys create`. */
export class CreateApiKeyDto {
  @ApiProperty({ example: 'kiosk-lobby', maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @IsPlainText()
  name!: string;

  @ApiProperty({
    enum: SCOPES,
    isArray: true,
    example: ['recognize'],
    description:
      'admin: collections, keys, audit (and everything else); enrol: users write; recognize: verify, recognize, detect, compare; read: users read, stats',
  })
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

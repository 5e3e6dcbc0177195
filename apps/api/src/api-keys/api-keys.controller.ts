import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Access, AnyKey } from '../auth/access.decorator';
import { ApiKeysAdminService, CallerContext, CreateApiKeyDto } from '@facegate/core';
import { Caller } from '../auth/caller.decorator';
import { ApiProblems } from '../common/api-problems.decorator';
import { UuidPipe } from '../common/uuid.pipe';
import { ApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto';

@ApiTags('api-keys')
@ApiSecurity('api-key')
@Access('admin')
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysAdminService) {}

  @Post()
  @ApiOperation({ summary: 'Issue a key; the response is the only time the key itself is shown' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiProblems('COLLECTION_NOT_FOUND')
  create(@Body() dto: CreateApiKeyDto, @Caller() caller: CallerContext): Promise<CreatedApiKeyDto> {
    return this.keys.create(dto, caller);
  }

  @Get()
  @ApiOperation({ summary: 'Keys with prefix, scopes, collections, created and last used (never the key or its hash)' })
  @ApiOkResponse({ type: [ApiKeyDto] })
  list(@Caller() caller: CallerContext): Promise<ApiKeyDto[]> {
    return this.keys.list(caller);
  }

  @Get('me')
  @AnyKey()
  @ApiOperation({ summary: 'The calling key itself: name, prefix, scopes and collections (any valid key may ask; the web page uses it)' })
  @ApiOkResponse({ type: ApiKeyDto })
  me(@Caller() caller: CallerContext): Promise<ApiKeyDto> {
    return this.keys.current(caller);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a key; it fails from the next request on' })
  @ApiNoContentResponse()
  @ApiProblems('NOT_FOUND')
  async revoke(@Param('id', UuidPipe) id: string, @Caller() caller: CallerContext): Promise<void> {
    await this.keys.revoke(id, caller);
  }
}

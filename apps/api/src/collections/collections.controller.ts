import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { CallerContext, CollectionsService, CreateCollectionDto, UpdateCollectionDto } from '@facegate/core';
import { Caller } from '../auth/caller.decorator';
import { ApiProblems } from '../common/api-problems.decorator';
import { CollectionNamePipe } from '../common/collection-name.pipe';
import { CollectionDto } from './dto/collection.dto';

@ApiTags('collections')
@ApiSecurity('api-key')
@Access('admin')
@Controller('collections')
export class CollectionsController {
  constructor(private readonly collections: CollectionsService) {}

  @Post()
  @ApiOperation({ summary: 'Create a collection (an isolated gallery)' })
  @ApiCreatedResponse({ type: CollectionDto })
  @ApiProblems('COLLECTION_EXISTS')
  create(@Body() dto: CreateCollectionDto, @Caller() caller: CallerContext): Promise<CollectionDto> {
    return this.collections.create(dto, caller);
  }

  @Get()
  @ApiOperation({ summary: 'Collections this key may use, with user and face counts' })
  @ApiOkResponse({ type: [CollectionDto] })
  list(@Caller() caller: CallerContext): Promise<CollectionDto[]> {
    return this.collections.list(caller);
  }

  @Get(':name')
  @ApiOperation({ summary: 'One collection: its counts, stored settings and the policy in force' })
  @ApiOkResponse({ type: CollectionDto })
  @ApiProblems('COLLECTION_NOT_FOUND')
  get(@Param('name', CollectionNamePipe) name: string, @Caller() caller: CallerContext): Promise<CollectionDto> {
    return this.collections.get(name, caller);
  }

  @Patch(':name')
  @ApiOperation({ summary: "Replace a collection's description and settings (admin)" })
  @ApiOkResponse({ type: CollectionDto })
  @ApiProblems('COLLECTION_NOT_FOUND')
  update(@Param('name', CollectionNamePipe) name: string, @Body() dto: UpdateCollectionDto, @Caller() caller: CallerContext): Promise<CollectionDto> {
    return this.collections.update(name, dto, caller);
  }

  @Delete(':name')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a collection with every user and embedding in it (one transaction)' })
  @ApiNoContentResponse()
  @ApiProblems('COLLECTION_NOT_FOUND')
  async remove(@Param('name', CollectionNamePipe) name: string, @Caller() caller: CallerContext): Promise<void> {
    await this.collections.remove(name, caller);
  }
}

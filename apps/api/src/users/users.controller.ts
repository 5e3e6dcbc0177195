import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiConsumes, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiProblems, IMAGE_PROBLEMS, LIVENESS_TOKEN_PROBLEMS } from '../common/api-problems.decorator';
import { MultipartImages } from '../common/multipart-images.interceptor';
import { UuidPipe } from '../common/uuid.pipe';
import {
  AddedFacesDto,
  AddFacesDto,
  CreateUserDto,
  DeletedFacesDto,
  DeleteFacesDto,
  ListUsersQueryDto,
  UpdateUserDto,
  UserDto,
  UserPageDto,
} from './dto/user.dto';
import { CallerContext, UsersService } from '@facegate/core';
import { Access } from '../auth/access.decorator';
import { Caller } from '../auth/caller.decorator';

@ApiTags('users')
@ApiSecurity('api-key')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @UseInterceptors(MultipartImages('images'))
  @ApiOperation({
    summary: 'Enrol a person with 1 to 10 photos',
    description:
      'Every photo must show exactly one clear face, and all of them the same person (FACE_MISMATCH); if one fails, nothing is stored and the error names its index.',
  })
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiCreatedResponse({ type: UserDto })
  @Access('enrol')
  @ApiProblems(...IMAGE_PROBLEMS, 'MULTIPLE_FACES', 'LOW_QUALITY', 'FACE_MISMATCH', 'DUPLICATE_EXTERNAL_ID', 'DUPLICATE_FACE', 'COLLECTION_NOT_FOUND')
  create(@Body() dto: CreateUserDto, @Caller() caller: CallerContext): Promise<UserDto> {
    return this.users.enrol(dto, caller);
  }

  @Get()
  @ApiOperation({ summary: 'List enrolled people of a collection, oldest first, with cursor pagination' })
  @Access('read')
  @ApiOkResponse({ type: UserPageDto })
  @ApiProblems('COLLECTION_NOT_FOUND')
  list(@Query() query: ListUsersQueryDto, @Caller() caller: CallerContext): Promise<UserPageDto> {
    return this.users.list(query, caller);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One person with their enrolled faces (never the photos or embeddings)' })
  @ApiOkResponse({ type: UserDto })
  @Access('read')
  @ApiProblems('USER_NOT_FOUND')
  get(@Param('id', UuidPipe) id: string, @Caller() caller: CallerContext): Promise<UserDto> {
    return this.users.get(id, caller);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename a person or replace their metadata' })
  @ApiOkResponse({ type: UserDto })
  @Access('enrol')
  @ApiProblems('USER_NOT_FOUND')
  update(@Param('id', UuidPipe) id: string, @Body() dto: UpdateUserDto, @Caller() caller: CallerContext): Promise<UserDto> {
    return this.users.update(id, dto, caller);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a person and all their embeddings (admin)',
    description: 'Admin only: an enrol key that could delete a person could enrol its own face under their externalId.',
  })
  @ApiNoContentResponse()
  @Access('admin')
  @ApiProblems('USER_NOT_FOUND')
  async remove(@Param('id', UuidPipe) id: string, @Caller() caller: CallerContext): Promise<void> {
    await this.users.remove(id, caller);
  }

  @Post(':id/faces')
  @UseInterceptors(MultipartImages('images'))
  @ApiOperation({
    summary: 'Add photos to a person',
    description:
      "Each new photo must match every face the person already has, at the collection's threshold (FACE_MISMATCH otherwise). In a collection that requires liveness tokens, a key without admin scope sends the token of a challenge passed by the person's face (livenessToken).",
  })
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiCreatedResponse({ type: AddedFacesDto })
  @Access('enrol')
  @ApiProblems(
    ...IMAGE_PROBLEMS,
    'MULTIPLE_FACES',
    'LOW_QUALITY',
    'FACE_MISMATCH',
    'DUPLICATE_FACE',
    'USER_NOT_FOUND',
    'TOO_MANY_FACES',
    'LOCKED_OUT',
    ...LIVENESS_TOKEN_PROBLEMS,
  )
  addFaces(@Param('id', UuidPipe) id: string, @Body() dto: AddFacesDto, @Caller() caller: CallerContext): Promise<AddedFacesDto> {
    return this.users.addFaces(id, dto.images, caller, {
      allowDuplicate: dto.allowDuplicate,
      allowMismatch: dto.allowMismatch,
      livenessToken: dto.livenessToken,
    });
  }

  @Post(':id/faces/delete')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Remove several enrolled faces at once, all or nothing (admin)',
    description:
      'Deletes the listed faces of this person in one transaction: if any id is not one of their faces, nothing is deleted and FACE_NOT_FOUND lists the missing ids.',
  })
  @ApiOkResponse({ type: DeletedFacesDto })
  @Access('admin')
  @ApiProblems('USER_NOT_FOUND', 'FACE_NOT_FOUND')
  removeFaces(@Param('id', UuidPipe) id: string, @Body() dto: DeleteFacesDto, @Caller() caller: CallerContext): Promise<DeletedFacesDto> {
    return this.users.removeFaces(id, dto.faceIds, caller);
  }

  @Delete(':id/faces/:faceId')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Remove one enrolled face (its embedding is deleted; admin)',
    description: "Admin only: an enrol key that could remove a person's faces could replace them with its own, one matching photo at a time.",
  })
  @ApiNoContentResponse()
  @Access('admin')
  @ApiProblems('USER_NOT_FOUND', 'FACE_NOT_FOUND')
  async removeFace(@Param('id', UuidPipe) id: string, @Param('faceId', UuidPipe) faceId: string, @Caller() caller: CallerContext): Promise<void> {
    await this.users.removeFace(id, faceId, caller);
  }
}

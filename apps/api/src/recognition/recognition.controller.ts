import { Body, Controller, HttpCode, Post, UseInterceptors } from '@nestjs/common';
import { ApiConsumes, ApiExtraModels, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { ApiProblems, IMAGE_PROBLEMS, LIVENESS_TOKEN_PROBLEMS } from '../common/api-problems.decorator';
import { MultipartImages } from '../common/multipart-images.interceptor';
import {
  CompareDto,
  CompareResponseDto,
  DetectDto,
  DetectResponseDto,
  RecognizeAllResponseDto,
  RecognizeDto,
  RecognizeResponseDto,
  VerifyDto,
  VerifyResponseDto,
} from './dto/recognition.dto';
import { CallerContext, RecognitionService } from '@facegate/core';
import { Access } from '../auth/access.decorator';
import { Caller } from '../auth/caller.decorator';

@ApiTags('recognition')
@ApiSecurity('api-key')
@ApiProblems(...IMAGE_PROBLEMS)
@UseInterceptors(MultipartImages('image'))
@ApiConsumes('application/json', 'multipart/form-data')
@Access('recognize')
@Controller()
export class RecognitionController {
  constructor(private readonly recognition: RecognitionService) {}

  @Post('verify')
  @HttpCode(200)
  @ApiOperation({
    summary: '1:1 - is this photo the claimed person?',
    description: 'Compared against every enrolled face of the person; the best similarity decides.',
  })
  @ApiOkResponse({ type: VerifyResponseDto })
  @ApiProblems('USER_NOT_FOUND', 'FACE_NOT_FOUND', 'LOCKED_OUT', 'COLLECTION_NOT_FOUND', 'SPOOF_SUSPECTED', 'LOW_QUALITY', ...LIVENESS_TOKEN_PROBLEMS)
  verify(@Body() dto: VerifyDto, @Caller() caller: CallerContext): Promise<VerifyResponseDto> {
    return this.recognition.verify(dto, caller);
  }

  @Post('recognize')
  @HttpCode(200)
  @ApiOperation({
    summary: '1:N - who is this?',
    description: 'Nearest distinct people in the collection, searched inside PostgreSQL. `match` is true only at or above the threshold.',
  })
  @ApiExtraModels(RecognizeResponseDto, RecognizeAllResponseDto)
  @ApiOkResponse({
    description: 'RecognizeResponseDto for the main face; RecognizeAllResponseDto (every face) with `all: true`.',
    schema: { oneOf: [{ $ref: getSchemaPath(RecognizeResponseDto) }, { $ref: getSchemaPath(RecognizeAllResponseDto) }] },
  })
  @ApiProblems('COLLECTION_NOT_FOUND', 'FACE_NOT_FOUND', 'SPOOF_SUSPECTED', 'LOW_QUALITY', 'LOCKED_OUT', ...LIVENESS_TOKEN_PROBLEMS)
  recognize(@Body() dto: RecognizeDto, @Caller() caller: CallerContext): Promise<RecognizeResponseDto | RecognizeAllResponseDto> {
    return this.recognition.recognize(dto, caller);
  }

  @Post('detect')
  @HttpCode(200)
  @ApiOperation({ summary: 'Every face in a photo with landmarks and quality (no matching, nothing stored)' })
  @ApiOkResponse({ type: DetectResponseDto })
  detect(@Body() dto: DetectDto): Promise<DetectResponseDto> {
    return this.recognition.detect(dto.image, dto.smallFaces ?? true);
  }

  @Post('compare')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Do the main faces of two photos match? (nothing stored)',
    description: "Judged under the collection's threshold; the similarity is shown for a match, or always if the collection sets exposeScores.",
  })
  @ApiOkResponse({ type: CompareResponseDto })
  @ApiProblems('COLLECTION_NOT_FOUND')
  compare(@Body() dto: CompareDto, @Caller() caller: CallerContext): Promise<CompareResponseDto> {
    return this.recognition.compare(dto, caller);
  }
}

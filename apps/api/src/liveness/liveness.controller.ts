import { Body, Controller, Get, HttpCode, Param, Post, UseInterceptors } from '@nestjs/common';
import { ApiConsumes, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { CallerContext, LivenessService } from '@facegate/core';
import { Caller } from '../auth/caller.decorator';
import { ApiProblems, IMAGE_PROBLEMS } from '../common/api-problems.decorator';
import { MultipartImages } from '../common/multipart-images.interceptor';
import { UuidPipe } from '../common/uuid.pipe';
import { FramesResultDto, OpenSessionDto, SessionDto, SubmitFramesDto } from './dto/liveness.dto';

@ApiTags('liveness')
@ApiSecurity('api-key')
@Access('recognize')
@Controller('liveness/sessions')
export class LivenessController {
  constructor(private readonly liveness: LivenessService) {}

  @Post()
  @ApiOperation({
    summary: 'Open an active liveness challenge',
    description:
      'Returns a random sequence of steps (turn_left, turn_right, look_up, blink, smile) to perform in order in front of the camera, and when the session expires.',
  })
  @ApiCreatedResponse({ type: SessionDto })
  @ApiProblems('COLLECTION_NOT_FOUND')
  open(@Body() dto: OpenSessionDto, @Caller() caller: CallerContext): Promise<SessionDto> {
    return this.liveness.open(dto, caller);
  }

  @Get(':id')
  @ApiOperation({ summary: 'State of a liveness session (never its token)' })
  @ApiOkResponse({ type: SessionDto })
  @ApiProblems('LIVENESS_SESSION_NOT_FOUND')
  get(@Param('id', UuidPipe) id: string, @Caller() caller: CallerContext): Promise<SessionDto> {
    return this.liveness.get(id, caller);
  }

  @Post(':id/frames')
  @HttpCode(200)
  @UseInterceptors(MultipartImages('frames'))
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiOperation({
    summary: 'Send the camera frames that answer the current step, with its stepNonce',
    description:
      'Steps are revealed one at a time: each answer names the next step and its new stepNonce. The first frontal frame is the anchor. ' +
      'Every judged frame must show the same person; a head movement counts only on a new capture, in the asked order; one upload completes at most one step. ' +
      'When the last step is seen (and, under an enforced passive check, enough frames) the session passes and returns a single-use livenessToken for /verify or /recognize. ' +
      'Any failure closes the session for good. Once a frame was judged as the asked head movement, every ending but a pass (a session left to expire included) ' +
      'counts as a failed attempt on the person the face shows.',
  })
  @ApiOkResponse({ type: FramesResultDto })
  @ApiProblems(
    ...IMAGE_PROBLEMS,
    'LIVENESS_SESSION_NOT_FOUND',
    'COLLECTION_NOT_FOUND',
    'LIVENESS_SESSION_EXPIRED',
    'LIVENESS_SESSION_CLOSED',
    'LIVENESS_SESSION_BUSY',
    'CHALLENGE_FAILED',
    'LIVENESS_FACE_CHANGED',
    'SPOOF_SUSPECTED',
  )
  frames(@Param('id', UuidPipe) id: string, @Body() dto: SubmitFramesDto, @Caller() caller: CallerContext): Promise<FramesResultDto> {
    return this.liveness.submitFrames(id, dto, caller);
  }
}

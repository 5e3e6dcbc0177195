import { Module } from '@nestjs/common';
import { FaceEngineService } from './face-engine.service';
import { FaceRulesService } from './face-rules.service';

@Module({ providers: [FaceEngineService, FaceRulesService], exports: [FaceEngineService, FaceRulesService] })
export class FaceModule {}

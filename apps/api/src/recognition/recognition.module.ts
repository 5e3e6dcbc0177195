import { Module } from '@nestjs/common';
import { FaceModule } from '../face/face.module';
import { LivenessModule } from '../liveness/liveness.module';
import { UsersModule } from '../users/users.module';
import { RecognitionController } from './recognition.controller';
import { RecognitionService } from './recognition.service';
import { LockoutRepository } from './lockout.repository';
import { LockoutService } from './lockout.service';

@Module({ imports: [FaceModule, UsersModule, LivenessModule], controllers: [RecognitionController], providers: [RecognitionService, LockoutService, LockoutRepository] })
export class RecognitionModule {}

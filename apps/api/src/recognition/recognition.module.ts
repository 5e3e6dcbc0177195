import { Module } from '@nestjs/common';
import { FaceModule } from '../face/face.module';
import { LivenessModule } from '../liveness/liveness.module';
import { UsersModule } from '../users/users.module';
import { RecognitionController } from './recognition.controller';
import { RecognitionService } from './recognition.service';
import { AttemptsModule } from '../lockouts/attempts.module';

@Module({ imports: [FaceModule, UsersModule, LivenessModule, AttemptsModule], controllers: [RecognitionController], providers: [RecognitionService] })
export class RecognitionModule {}

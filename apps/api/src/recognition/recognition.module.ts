import { Module } from '@nestjs/common';
import { FaceModule } from '../face/face.module';
import { UsersModule } from '../users/users.module';
import { RecognitionController } from './recognition.controller';
import { RecognitionService } from './recognition.service';

@Module({ imports: [FaceModule, UsersModule], controllers: [RecognitionController], providers: [RecognitionService] })
export class RecognitionModule {}

import { Module } from '@nestjs/common';
import { RecognitionController } from './recognition.controller';

@Module({ controllers: [RecognitionController] })
export class RecognitionModule {}

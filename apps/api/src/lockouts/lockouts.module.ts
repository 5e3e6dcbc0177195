import { Module } from '@nestjs/common';
import { LockoutsController } from './lockouts.controller';

@Module({ controllers: [LockoutsController] })
export class LockoutsModule {}

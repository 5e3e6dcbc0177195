import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { LockoutsController } from './lockouts.controller';
import { LockoutsRepository } from './lockouts.repository';
import { LockoutsService } from './lockouts.service';

@Module({
  imports: [UsersModule],
  controllers: [LockoutsController],
  providers: [LockoutsService, LockoutsRepository],
})
export class LockoutsModule {}

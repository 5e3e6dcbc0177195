import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { AttemptBudgetService } from './attempt-budget.service';
import { AttemptsRepository } from './attempts.repository';
import { LockoutsController } from './lockouts.controller';
import { LockoutsRepository } from './lockouts.repository';
import { LockoutsService } from './lockouts.service';

@Module({
  imports: [UsersModule],
  controllers: [LockoutsController],
  providers: [AttemptBudgetService, AttemptsRepository, LockoutsService, LockoutsRepository],
  exports: [AttemptBudgetService],
})
export class LockoutsModule {}

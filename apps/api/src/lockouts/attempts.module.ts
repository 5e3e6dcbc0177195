import { Module } from '@nestjs/common';
import { Clock } from '../common/clock';
import { AttemptBudgetService } from './attempt-budget.service';
import { AttemptsRepository } from './attempts.repository';

/** The verification attempt budget, used by every route that tests a face against a known person. */
@Module({ providers: [AttemptBudgetService, AttemptsRepository, Clock], exports: [AttemptBudgetService] })
export class AttemptsModule {}

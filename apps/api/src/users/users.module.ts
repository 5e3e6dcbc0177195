import { Module } from '@nestjs/common';
import { FaceModule } from '../face/face.module';
import { AttemptsModule } from '../lockouts/attempts.module';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';
import { VectorIndexMaintainer } from './vector-index.maintainer';

@Module({
  imports: [FaceModule, AttemptsModule],
  controllers: [UsersController],
  providers: [UsersService, UsersRepository, VectorIndexMaintainer],
  exports: [UsersRepository, UsersService],
})
export class UsersModule {}

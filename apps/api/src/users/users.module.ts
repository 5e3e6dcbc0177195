import { Module } from '@nestjs/common';
import { VectorIndexMaintainer } from '@facegate/core';
import { UsersController } from './users.controller';

/** People over HTTP; the server (not the command-line tool) also keeps the vector index tuned as the gallery grows. */
@Module({ controllers: [UsersController], providers: [VectorIndexMaintainer] })
export class UsersModule {}

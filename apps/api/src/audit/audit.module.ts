import { Module } from '@nestjs/common';
import { AuditRetentionService } from '@facegate/core';
import { AuditController } from './audit.controller';

/** The audit log over HTTP; the server (not the command-line tool) also purges entries past their retention. */
@Module({ controllers: [AuditController], providers: [AuditRetentionService] })
export class AuditModule {}

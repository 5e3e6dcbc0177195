import { Module } from '@nestjs/common';
import { AuditRetentionService, VectorIndexMaintainer } from '@facegate/core';

/**
 * The server's background work, off the request path: keeping the vector index in step with the gallery and purging
 * audit entries past their retention. The command-line tool never starts it.
 */
@Module({ providers: [VectorIndexMaintainer, AuditRetentionService] })
export class MaintenanceModule {}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DATABASE_MODES, DatabaseMode } from '@facegate/database';

export class HealthDto {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
  @ApiProperty({ example: 42, description: 'Seconds since the process started.' }) uptimeSeconds!: number;
}

export class ReplicaStatusDto {
  @ApiProperty({ example: 'db-replica-1:5432', description: 'Host and port (never the URL: it may carry a password).' }) name!: string;
  @ApiProperty({ example: true, description: 'Answering as a standby at the last poll.' }) up!: boolean;
  @ApiProperty({ example: 0, description: "Bytes of the primary's WAL not replayed yet." }) lagBytes!: number;
  @ApiProperty({ example: 0, description: 'Seconds since the last replayed transaction, while behind (0 when caught up).' }) lagSeconds!: number;
  @ApiProperty({ example: 1204, description: 'Searches it served since this process started.' }) reads!: number;
}

export class ReadinessChecksDto {
  @ApiProperty({ example: true, description: 'The database answers.' }) database!: boolean;
  @ApiProperty({ example: 0, description: 'Migrations not applied yet; -1 when the database does not answer.' }) migrationsPending!: number;
  @ApiProperty({ example: true, description: 'The face models are loaded.' }) models!: boolean;
  @ApiProperty({ enum: DATABASE_MODES }) databaseMode!: DatabaseMode;
  @ApiProperty({ example: false, description: 'Shutting down: a load balancer should stop sending.' }) draining!: boolean;
  @ApiPropertyOptional({
    type: [ReplicaStatusDto],
    description:
      'Read replicas (DATABASE_REPLICA_URLS), when configured. A replica that is down or behind is skipped (searches go to the primary); it never makes the service unready.',
  })
  replicas?: ReplicaStatusDto[];
}

export class ReadinessDto {
  @ApiProperty({ example: true }) ready!: boolean;
  @ApiProperty({ type: ReadinessChecksDto }) checks!: ReadinessChecksDto;
}

import { ApiProperty } from '@nestjs/swagger';
import { DATABASE_MODES, DatabaseMode } from '@facegate/database';

export class HealthDto {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
  @ApiProperty({ example: 42, description: 'Seconds since the process started.' }) uptimeSeconds!: number;
}

export class ReadinessChecksDto {
  @ApiProperty({ example: true, description: 'The database answers.' }) database!: boolean;
  @ApiProperty({ example: 0, description: 'Migrations not applied yet; -1 when the database does not answer.' }) migrationsPending!: number;
  @ApiProperty({ example: true, description: 'The face models are loaded.' }) models!: boolean;
  @ApiProperty({ enum: DATABASE_MODES }) databaseMode!: DatabaseMode;
  @ApiProperty({ example: false, description: 'Shutting down: a load balancer should stop sending.' }) draining!: boolean;
}

export class ReadinessDto {
  @ApiProperty({ example: true }) ready!: boolean;
  @ApiProperty({ type: ReadinessChecksDto }) checks!: ReadinessChecksDto;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DATABASE_MODES, DatabaseMode } from '@facegate/database';

export class GalleryCountsDto {
  @ApiProperty({ example: 2 }) collections!: number;
  @ApiProperty({ example: 1815 }) users!: number;
  @ApiProperty({ example: 5402 }) faces!: number;
}

export class WorkerPoolStatsDto {
  @ApiProperty({ example: 2 }) size!: number;
  @ApiProperty({ example: 2 }) ready!: number;
  @ApiProperty({ example: 0 }) busy!: number;
  @ApiProperty({ example: 0 }) queued!: number;
  @ApiProperty({ example: 1234 }) completed!: number;
  @ApiProperty({ example: 3 }) failed!: number;
  @ApiProperty({ example: 0 }) restarts!: number;
}

export class ModelStatsDto {
  @ApiProperty({ example: 'mobilefacenet-fr_feature-87aacdfe' }) id!: string;
  @ApiProperty({ example: 512 }) dimensions!: number;
  @ApiProperty({ example: 0.42, description: 'FACEGATE_MATCH_THRESHOLD, the default of collections that set none.' }) threshold!: number;
  @ApiProperty({ example: 'cpu' }) provider!: string;
  @ApiProperty({ example: false }) flipAugmentation!: boolean;
  @ApiPropertyOptional({ type: WorkerPoolStatsDto, description: 'The shared worker pool: for keys bound to no collection only.' }) pool?: WorkerPoolStatsDto;
}

export class IndexStatsDto {
  @ApiProperty({ example: true, description: "The IVFFlat index on people's centroids (one vector a person) exists." }) exists!: boolean;
  @ApiProperty({
    enum: ['people', 'faces'],
    nullable: true,
    description:
      "What large collections' searches walk: the people's index, or the faces' index of an earlier release until the people's is built; null: exact scans.",
  })
  kind!: 'people' | 'faces' | null;
  @ApiProperty({ type: Number, nullable: true, example: 100, description: 'Lists of the index searches walk.' }) lists!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 10000, description: "People with faces when the people's index was built." }) rowsAtBuild!:
    number | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) builtAt!: Date | null;
  @ApiProperty({ example: 10 }) probes!: number;
  @ApiProperty({ enum: ['auto', 'fixed'] }) probesSource!: string;
  @ApiProperty({ type: Number, nullable: true, example: 40000, description: 'The number of people at which the index is rebuilt with more lists.' })
  rebuildAtRows!: number | null;
  @ApiProperty({ example: 20000 }) exactScanMaxFaces!: number;
  @ApiProperty({
    type: [String],
    example: [],
    description: "The faces' indexes of an earlier release still in the database: once no instance of that release runs, npm run db:reindex drops them.",
  })
  earlierIndexes!: string[];
}

export class DatabaseStatsDto {
  @ApiProperty({ enum: DATABASE_MODES }) mode!: DatabaseMode;
}

export class StatsDto {
  @ApiProperty({ type: GalleryCountsDto, description: 'Counts over the collections the key may use.' }) counts!: GalleryCountsDto;
  @ApiProperty({ type: ModelStatsDto }) model!: ModelStatsDto;
  @ApiPropertyOptional({ type: IndexStatsDto, description: 'The vector index shared by all collections: for keys bound to no collection only.' })
  index?: IndexStatsDto;
  @ApiProperty({ type: DatabaseStatsDto }) database!: DatabaseStatsDto;
}

import { DynamicModule, InjectionToken, Module, ModuleMetadata, OptionalFactoryDependency } from '@nestjs/common';
import { DATABASE_OPTIONS, DatabaseOptions, validateDatabaseOptions } from './database.options';
import { FaceVectorRepository } from './faces/face-vector.repository';
import { VectorIndexRepository } from './faces/vector-index.repository';
import { PrismaService } from './prisma/prisma.service';
import { ReplicaRouter } from './replicas/replica-router';

export interface DatabaseModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Nest's own factory signature
  useFactory: (...args: any[]) => DatabaseOptions | Promise<DatabaseOptions>;
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  /** Register the providers globally (default true: configured once at the root, used by every feature module). */
  isGlobal?: boolean;
}

/**
 * DatabaseModule.forRootAsync({ useFactory: (config) => ({ ...DEFAULT_DATABASE_OPTIONS, url, dataDir }), inject })
 * provides DATABASE_OPTIONS, PrismaService, FaceVectorRepository (the search path) and VectorIndexRepository (the index's
 * lifecycle).
 */
@Module({})
export class DatabaseModule {
  static forRootAsync(options: DatabaseModuleAsyncOptions): DynamicModule {
    return {
      module: DatabaseModule,
      global: options.isGlobal ?? true,
      imports: options.imports ?? [],
      providers: [
        {
          provide: DATABASE_OPTIONS,
          // eslint-disable-next-line @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument -- Nest passes the injected values untyped
          useFactory: async (...args: any[]) => validateDatabaseOptions(await options.useFactory(...args)),
          inject: options.inject ?? [],
        },
        PrismaService,
        FaceVectorRepository,
        VectorIndexRepository,
        ReplicaRouter,
      ],
      exports: [DATABASE_OPTIONS, PrismaService, FaceVectorRepository, VectorIndexRepository, ReplicaRouter],
    };
  }
}

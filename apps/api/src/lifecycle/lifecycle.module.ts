import { Global, Module } from '@nestjs/common';
import { LifecycleService } from './lifecycle.service';

/** Global: readiness, the request observer and main.ts's shutdown all share one draining state. */
@Global()
@Module({ providers: [LifecycleService], exports: [LifecycleService] })
export class LifecycleModule {}

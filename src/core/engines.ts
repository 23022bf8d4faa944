/**
 * THE list of engines: the one place that names them all. Shared code asks
 * `engineModule(profile.engine)` what an engine is and can do, and never
 * switches on an engine's name (test/unit/engineNeutral.test.ts checks).
 * Adding an engine: its id in engine.ts, its folder, one line here.
 */
import { ENGINE_IDS, type Engine, type EngineModule } from './engine';
import { postgresEngine } from './postgres/engine';
import { neo4jEngine } from './neo4j/engine';
import { redisEngine } from './redis/engine';
import { dockerEngine } from './docker/engine';
import { rabbitmqEngine } from './rabbitmq/engine';

const MODULES: Record<Engine, EngineModule> = {
  postgres: postgresEngine,
  neo4j: neo4jEngine,
  redis: redisEngine,
  docker: dockerEngine,
  rabbitmq: rabbitmqEngine,
};

export { ENGINE_IDS, type Engine, type EngineModule };

/** Every engine's module, in view order. */
export const ENGINE_MODULES: readonly EngineModule[] = ENGINE_IDS.map((id) => MODULES[id]);

export function engineModule(id: Engine): EngineModule {
  return MODULES[id];
}

/** The module whose URL schemes include `scheme` ("postgres:"), if any. */
export function engineForScheme(scheme: string): EngineModule | undefined {
  return ENGINE_MODULES.find((m) => Object.hasOwn(m.urlSchemes, scheme));
}

/** How tests reach the throwaway servers; written to a JSON file so every tier (and code-server) can read it. */
export interface ServicesInfo {
  postgres: { host: string; port: number; user: string; password: string; database: string; tlsOnlyDatabase: string; dataDir: string; versionNum?: number };
  redis: { host: string; port: number; password: string };
  neo4j: { host: string; port: number; url: string; user: string; password: string };
  docker: { socketPath: string; image: string };
  /** A throwaway node with the management plugin; `user` is an administrator. */
  rabbitmq: { host: string; managementPort: number; amqpPort: number; user: string; password: string; node: string };
}

export interface RunningService {
  name: string;
  stop(): Promise<void>;
}

/**
 * A Neo4j server in a container of the test image (neo4jImage.ts), as a user
 * runs the official image: its store in a volume at /data, the password set
 * through NEO4J_AUTH at its first start, Bolt on a free port of the host's
 * network. The container and volume carry the test's label, so
 * `removeLabelled` removes them.
 */
import type Dockerode from 'dockerode';
import type { ConnectionProfile, ContainerRef } from '../../src/core/connections/profile';
import { THROWAWAY_LABEL } from '../../src/core/docker/containerControl';
import { waitForBolt } from '../../src/core/neo4j/backupDump';
import { freePort } from '../services/util';
import { makeVolume, TEST_LABEL } from './dockerFixtures';
import { neo4jBinds, neo4jTestImage } from './neo4jImage';
import { neo4jProfile } from '../integration/services';

export interface Neo4jContainer {
  ref: ContainerRef;
  profile: ConnectionProfile;
}

/** Starts it (its name made from `label` and `name`, unsafe characters replaced) and waits until Bolt answers. */
export async function startNeo4jContainer(docker: Dockerode, dockerConn: ConnectionProfile, label: string, password: string, profileName: string): Promise<Neo4jContainer> {
  const t0 = Date.now();
  const image = await neo4jTestImage(docker);
  console.log(`      (test image ${image} ready in ${Date.now() - t0} ms)`);
  const volume = `${label}-data`;
  await makeVolume(docker, volume, label);
  const port = await freePort();
  const name = `${label}-neo4j "src"`.replace(/[^a-zA-Z0-9_.-]/g, '_');
  const c = await docker.createContainer({
    name, Image: image, Labels: { [TEST_LABEL]: label },
    Env: [`NEO4J_AUTH=neo4j/${password}`, `NEO4J_server_bolt_listen__address=127.0.0.1:${port}`, 'NEO4J_server_default__listen__address=127.0.0.1'],
    HostConfig: { NetworkMode: 'host', Binds: neo4jBinds(), Mounts: [{ Type: 'volume', Source: volume, Target: '/data' }] },
  });
  await c.start();
  const ref = { docker: dockerConn.id, id: c.id, name };
  const profile = neo4jProfile({ name: profileName, host: '127.0.0.1', port, container: ref });
  const t1 = Date.now();
  await waitForBolt(profile, password, 180_000);
  console.log(`      (Neo4j in the container answered in ${Date.now() - t1} ms)`);
  return { ref, profile };
}

/** The containers and volumes Upkeep made as throwaways (labelled so), still there. */
export async function throwawaysLeft(docker: Dockerode): Promise<string[]> {
  const filters = { label: [THROWAWAY_LABEL] };
  const containers = (await docker.listContainers({ all: true, filters })).map((c) => `container ${c.Names.join(',')}`);
  const volumes = ((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => `volume ${v.Name}`);
  return [...containers, ...volumes];
}

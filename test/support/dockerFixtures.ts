/**
 * Containers and volumes for the Docker tests: each made with a label unique
 * to the test run (`upkeep.test=<run>`), `--network none`, and removed by
 * `removeLabelled` afterwards.
 */
import type Dockerode from 'dockerode';

export const TEST_LABEL = 'upkeep.test';

export function runLabel(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}`;
}

export interface ContainerSpec {
  image: string;
  label: string;
  cmd: string[];
  name?: string;
  tty?: boolean;
  labels?: Record<string, string>;
  env?: string[];
  mounts?: { volume: string; target: string; readOnly?: boolean }[];
  start?: boolean;
}

export async function makeContainer(docker: Dockerode, spec: ContainerSpec): Promise<Dockerode.Container> {
  const container = await docker.createContainer({
    Image: spec.image,
    Cmd: spec.cmd,
    Tty: spec.tty ?? false,
    Env: spec.env,
    ...(spec.name ? { name: spec.name } : {}),
    Labels: { [TEST_LABEL]: spec.label, ...(spec.labels ?? {}) },
    HostConfig: {
      NetworkMode: 'none',
      Mounts: (spec.mounts ?? []).map((m) => ({ Type: 'volume' as const, Source: m.volume, Target: m.target, ReadOnly: m.readOnly ?? false })),
    },
  });
  if (spec.start !== false) await container.start();
  return container;
}

/** Runs a throwaway container to completion and returns its exit code (after it is removed). */
export async function runToEnd(docker: Dockerode, spec: Omit<ContainerSpec, 'start'>): Promise<number> {
  const c = await makeContainer(docker, { ...spec, start: true });
  try {
    const res = (await c.wait()) as { StatusCode: number };
    return res.StatusCode;
  } finally {
    await c.remove({ force: true });
  }
}

export async function makeVolume(docker: Dockerode, name: string, label: string): Promise<void> {
  await docker.createVolume({ Name: name, Labels: { [TEST_LABEL]: label } });
}

/** Removes every container, then every volume, carrying the run's label. */
export async function removeLabelled(docker: Dockerode, label: string): Promise<void> {
  const filters = { label: [`${TEST_LABEL}=${label}`] };
  for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  const { Volumes } = await docker.listVolumes({ filters });
  for (const v of Volumes ?? []) await docker.getVolume(v.Name).remove({ force: true }).catch(() => undefined);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Files with hostile names (spaces, quotes, unicode, HTML) and 2 MB of random bytes, written by busybox. */
export const POPULATE = [
  'set -e',
  'mkdir -p "/v/$DIR"',
  'printf "%s" "$CONTENT" > "/v/$DIR/$NAME"',
  'printf "%s" "$CONTENT" > "/v/.hidden file"',
  'dd if=/dev/urandom of=/v/random.bin bs=1024 count=2048 2>/dev/null',
  'ln -s "$DIR/$NAME" "/v/link to it"',
  'mkdir -p /v/empty-dir',
].join('; ');
export const DIR = 'ünïcødé dir/<img src=x onerror=alert(1)>"quoted"';
export const NAME = `it's <b onclick="alert(1)"> & ✓.txt`;
export const HOSTILE_ENV = [`DIR=${DIR}`, `NAME=${NAME}`, 'CONTENT=<html>"double" \'single\' ünïcødé ✓\nline two\n'];

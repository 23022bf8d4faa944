import { strict as assert } from 'node:assert';
import { discoverConnection, flagValue, parseEnv, parseImageRef, publishedPort, reachableHost, recogniseDatabase, splitWords } from '../../src/core/docker/discovery';
import { normalizeProfile, validateProfile } from '../../src/core/connections/profile';

const ID = 'f'.repeat(64);

function inspect(over: { image?: string; env?: string[]; cmd?: string[]; labels?: Record<string, string>; ports?: unknown; bindings?: unknown; mode?: string; ip?: string; state?: string }): unknown {
  return {
    Id: ID,
    Name: '/db',
    State: { Status: over.state ?? 'running', Running: (over.state ?? 'running') === 'running' },
    Config: { Image: over.image ?? 'postgres:15', Env: over.env ?? [], Cmd: over.cmd ?? null, Entrypoint: null, Labels: over.labels ?? {} },
    HostConfig: { NetworkMode: over.mode ?? 'bridge', PortBindings: over.bindings ?? {} },
    NetworkSettings: { Ports: over.ports ?? {}, Networks: over.ip ? { bridge: { IPAddress: over.ip } } : {} },
  };
}

describe('docker discovery: database containers and the connections they describe', () => {
  it('image references: registries, ports in registry names, namespaces, tags and digests', () => {
    assert.deepEqual(parseImageRef('postgres'), { repository: 'postgres', name: 'postgres' });
    assert.deepEqual(parseImageRef('postgres:15-alpine'), { repository: 'postgres', name: 'postgres', tag: '15-alpine' });
    assert.deepEqual(parseImageRef('registry.example.com:5000/bitnami/postgresql:16@sha256:abc'), { registry: 'registry.example.com:5000', repository: 'bitnami/postgresql', name: 'postgresql', tag: '16', digest: 'sha256:abc' });
    assert.deepEqual(parseImageRef('localhost/redis'), { registry: 'localhost', repository: 'redis', name: 'redis' });
    assert.deepEqual(parseImageRef('docker.io/library/neo4j:5.20-enterprise'), { registry: 'docker.io', repository: 'library/neo4j', name: 'neo4j', tag: '5.20-enterprise' });
  });

  it('recognises the engines by image (any registry, namespace or tag) or label; not look-alikes', () => {
    const cases: [string, string | undefined][] = [
      ['postgres:15', 'postgres'], ['bitnami/postgresql:16', 'postgres'], ['postgis/postgis:16-3.4', 'postgres'], ['timescale/timescaledb:latest-pg16', 'postgres'],
      ['ghcr.io/x/neo4j:5', 'neo4j'], ['neo4j:5-enterprise', 'neo4j'], ['redis:7-alpine', 'redis'], ['redis/redis-stack-server', 'redis'], ['bitnami/redis', 'redis'],
      ['rabbitmq:3-management', 'rabbitmq'], ['bitnami/rabbitmq', 'rabbitmq'], ['nginx', undefined], ['postgres-exporter-ish/app', undefined], ['my/redisinsight', undefined],
      ['prometheuscommunity/postgres-exporter', undefined],
    ];
    for (const [image, kind] of cases) assert.equal(recogniseDatabase([image]), kind, image);
    assert.equal(recogniseDatabase(['sha256:abc'], { 'org.opencontainers.image.title': 'PostgreSQL' }), 'postgres');
    assert.equal(recogniseDatabase(['myco/app'], { 'upkeep.database': 'redis' }), 'redis');
    assert.equal(recogniseDatabase(['myco/app'], { 'org.opencontainers.image.title': 'Shop <script>' }), undefined);
  });

  it('environment and command: KEY=value with = in values; flags as --x v or --x=v, inside a shell string too', () => {
    assert.deepEqual(parseEnv(['A=1', 'B=x=y', 'EMPTY=', 'BARE', 7]), { A: '1', B: 'x=y', EMPTY: '', BARE: '' });
    assert.equal(flagValue(['redis-server', '--requirepass', 's3cr"et'], '--requirepass'), 's3cr"et');
    assert.equal(flagValue(['redis-server', '--port=6380'], '--port'), '6380');
    assert.equal(flagValue(['sh', '-c', 'redis-server --requirepass "two words" --port 7000'], '--requirepass'), 'two words');
    assert.deepEqual(splitWords(`a 'b c' "d \\" e"`), ['a', 'b c', 'd " e']);
  });

  it('port bindings: any-address → 127.0.0.1, IPv4 first, a specific address kept, empty ports skipped', () => {
    assert.equal(reachableHost(''), '127.0.0.1');
    assert.equal(reachableHost('0.0.0.0'), '127.0.0.1');
    assert.equal(reachableHost('::'), '127.0.0.1');
    assert.equal(reachableHost('192.168.1.5'), '192.168.1.5');
    assert.deepEqual(publishedPort({ '5432/tcp': [{ HostIp: '::', HostPort: '15432' }, { HostIp: '0.0.0.0', HostPort: '15432' }] }, 5432), { host: '127.0.0.1', port: 15432 });
    assert.deepEqual(publishedPort({ '5432/tcp': [{ HostIp: '10.0.0.2', HostPort: '6000' }] }, 5432), { host: '10.0.0.2', port: 6000 });
    assert.equal(publishedPort({ '5432/tcp': [{ HostIp: '', HostPort: '' }] }, 5432), undefined);
    assert.equal(publishedPort({ '5432/tcp': null }, 5432), undefined);
    assert.equal(publishedPort(null, 5432), undefined);
  });

  it('PostgreSQL: published port, POSTGRES_USER/POSTGRES_DB, the password and where it came from', () => {
    const d = discoverConnection(inspect({ env: ['POSTGRES_USER=app', 'POSTGRES_DB=shop', 'POSTGRES_PASSWORD=pw=1'], ports: { '5432/tcp': [{ HostIp: '0.0.0.0', HostPort: '55432' }] } }));
    assert.ok(d);
    assert.deepEqual(
      { engine: d.engine, host: d.host, port: d.port, via: d.via, user: d.user, database: d.database, password: d.password, from: d.passwordFrom, name: d.container.name },
      { engine: 'postgres', host: '127.0.0.1', port: 55432, via: 'published', user: 'app', database: 'shop', password: 'pw=1', from: 'POSTGRES_PASSWORD', name: 'db' },
    );
    const defaults = discoverConnection(inspect({ env: ['POSTGRES_PASSWORD_FILE=/run/secrets/pw'], bindings: { '5432/tcp': [{ HostPort: '5433' }] }, state: 'created' }));
    assert.deepEqual([defaults?.user, defaults?.database, defaults?.password, defaults?.port], ['postgres', 'postgres', undefined, 5433], 'configured bindings of a container not started');
    assert.match(defaults?.notes.join(' ') ?? '', /POSTGRES_PASSWORD_FILE/);
  });

  it('PostgreSQL on the host network: the server\'s own port (PGPORT, or -p in its command)', () => {
    assert.deepEqual(pick(discoverConnection(inspect({ mode: 'host', env: ['PGPORT=6543'] }))), ['127.0.0.1', 6543, 'host-network']);
    assert.deepEqual(pick(discoverConnection(inspect({ mode: 'host', cmd: ['postgres', '-p', '7777'] }))), ['127.0.0.1', 7777, 'host-network']);
    assert.deepEqual(pick(discoverConnection(inspect({ mode: 'host' }))), ['127.0.0.1', 5432, 'host-network']);
  });

  it('not published: the container\'s address (same network only, said in a note), or nothing', () => {
    const byIp = discoverConnection(inspect({ ip: '172.17.0.3' }));
    assert.deepEqual(pick(byIp), ['172.17.0.3', 5432, 'container-address']);
    assert.match(byIp?.notes[0] ?? '', /reachable only from that network/);
    const none = discoverConnection(inspect({ mode: 'none', bindings: { '5432/tcp': [{ HostPort: '5433' }] } }));
    assert.deepEqual(pick(none), ['127.0.0.1', 5433, 'published']);
    assert.match(none?.notes.join(' ') ?? '', /network mode "none"/);
  });

  it('Neo4j: NEO4J_AUTH user/password (a slash in the password kept), bolt port from its setting', () => {
    const d = discoverConnection(inspect({ image: 'neo4j:5', env: ['NEO4J_AUTH=admin/p/w', 'NEO4J_server_bolt_listen__address=:7688'], mode: 'host' }));
    assert.deepEqual([d?.engine, d?.user, d?.password, d?.passwordFrom, d?.port], ['neo4j', 'admin', 'p/w', 'NEO4J_AUTH', 7688]);
    const open = discoverConnection(inspect({ image: 'neo4j', env: ['NEO4J_AUTH=none'], ports: { '7687/tcp': [{ HostIp: '127.0.0.1', HostPort: '17687' }] } }));
    assert.deepEqual([open?.user, open?.password, open?.port], ['neo4j', undefined, 17687]);
  });

  it('Redis: --requirepass in the command, REDIS_ARGS (redis-stack) or REDIS_PASSWORD (bitnami); --port', () => {
    assert.deepEqual(creds(discoverConnection(inspect({ image: 'redis:7', cmd: ['redis-server', '--requirepass', 'rpw', '--port', '6380'], mode: 'host' }))), [undefined, 'rpw', '--requirepass', 6380]);
    assert.deepEqual(creds(discoverConnection(inspect({ image: 'redis/redis-stack', env: ['REDIS_ARGS=--requirepass stackpw'], mode: 'host' }))), [undefined, 'stackpw', 'REDIS_ARGS --requirepass', 6379]);
    assert.deepEqual(creds(discoverConnection(inspect({ image: 'bitnami/redis:7.2', env: ['REDIS_PASSWORD=bpw', 'REDIS_PORT_NUMBER=6390'], mode: 'host' }))), [undefined, 'bpw', 'REDIS_PASSWORD', 6390]);
  });

  it('RabbitMQ: recognised, but not an engine: no engine, and the note says so', () => {
    const d = discoverConnection(inspect({ image: 'rabbitmq:3-management', env: ['RABBITMQ_DEFAULT_USER=u', 'RABBITMQ_DEFAULT_PASS=p'] }));
    assert.equal(d?.kind, 'rabbitmq');
    assert.equal(d?.engine, undefined);
    assert.match(d?.notes[0] ?? '', /not an Upkeep engine yet/);
    assert.equal(discoverConnection(inspect({ image: 'nginx' })), undefined);
  });

  it('profiles remember their container: kept by normalizeProfile, checked by validateProfile, extra keys dropped', () => {
    const raw = { id: 'p1', engine: 'postgres', name: 'db', host: '127.0.0.1', port: 5432, container: { docker: 'd1', id: ID, name: 'db', password: 'leak' } };
    const { profile, problems } = normalizeProfile(raw);
    assert.deepEqual(problems, []);
    assert.deepEqual(profile?.container, { docker: 'd1', id: ID, name: 'db' });
    assert.match(validateProfile({ ...raw, container: { docker: 'd1', id: 'not hex', name: 'db' } } as never).join(' '), /"container" must name/);
    assert.deepEqual(normalizeProfile({ ...raw, container: 'x' }).problems.length, 1);
  });
});

function pick(d: ReturnType<typeof discoverConnection>): unknown[] {
  return [d?.host, d?.port, d?.via];
}

function creds(d: ReturnType<typeof discoverConnection>): unknown[] {
  return [d?.user, d?.password, d?.passwordFrom, d?.port];
}

// A MariaDB Galera cluster on loopback for the cluster test: three `mariadbd` processes, each
// with its own data directory, SQL port, group-communication (gmcast), IST and SST addresses,
// all on ephemeral ports. The first node bootstraps the cluster; the others join by SST
// (rsync). A node killed with SIGKILL is started again the way the packaged galera_recovery
// does it: its last committed position is recovered from InnoDB first, so it rejoins by IST.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { freePort } from '../../src/bench/fleet.js';

export const GALERA_PROVIDER = '/usr/lib/galera/libgalera_smm.so';
const MARIADBD = '/usr/sbin/mariadbd';

/** Why this machine cannot run the cluster, or null when it can. */
export function galeraMissing(): string | null {
  for (const [path, pkg] of [
    [MARIADBD, 'mariadb-server'],
    [GALERA_PROVIDER, 'galera-4'],
    ['/usr/bin/rsync', 'rsync'],
    ['/usr/bin/mariadb-install-db', 'mariadb-server'],
  ] as const) {
    if (!existsSync(path)) return `${path} is missing (Debian package ${pkg})`;
  }
  return null;
}

interface NodePorts {
  sql: number;
  gmcast: number;
  ist: number;
  sst: number;
}

export class GaleraNode {
  process: ChildProcess | null = null;
  exited: Promise<number | null> = Promise.resolve(null);

  constructor(
    readonly index: number,
    readonly dir: string,
    readonly ports: NodePorts,
  ) {}

  get cnf(): string {
    return join(this.dir, 'my.cnf');
  }
  get datadir(): string {
    return join(this.dir, 'data');
  }
  get errorLog(): string {
    return join(this.dir, 'error.log');
  }
  get url(): string {
    return `mysql://root@127.0.0.1:${this.ports.sql}`;
  }

  /** The error log since byte `from`. */
  log(from = 0): string {
    return existsSync(this.errorLog) ? readFileSync(this.errorLog, 'utf8').slice(from) : '';
  }
  logSize(): number {
    return existsSync(this.errorLog) ? readFileSync(this.errorLog).length : 0;
  }

  /**
   * The statements that lost a conflict on this node (wsrep_log_conflicts), counted by what they
   * did ("update outbox"); "other" where the log names none (a COMMIT, or NULL after the fact).
   */
  conflictVictims(): Map<string, number> {
    const counts = new Map<string, number>();
    const lines = existsSync(this.errorLog) ? readFileSync(this.errorLog, 'latin1').split('\n') : [];
    lines.forEach((line, i) => {
      if (!line.includes('WSREP: Victim thread:')) return;
      const sql = lines.slice(i + 1, i + 4).find((l) => l.trimStart().startsWith('SQL:')) ?? '';
      const m = /SQL:\s*(insert into|update|delete from|select\b.*?\bfrom)\s*`(\w+)`/i.exec(sql);
      const what = m ? `${m[1]!.split(' ')[0]!.toLowerCase()} ${m[2]}` : 'other';
      counts.set(what, (counts.get(what) ?? 0) + 1);
    });
    return counts;
  }
}

export interface GaleraCluster {
  nodes: GaleraNode[];
  /** mysql://root@127.0.0.1:PORT/<database> through node i. */
  url(i: number, database: string): string;
  /** SIGKILL node i (no shutdown, no grastate written). */
  kill(i: number): Promise<void>;
  /** Starts node i again after a kill: recovers its position, joins, waits until Synced. Returns how it caught up. */
  restart(i: number): Promise<'IST' | 'SST'>;
  /** A wsrep status variable read on node i. */
  status(i: number, name: string): Promise<string | null>;
  /** A statement run on node i as root (an operator's: `SET GLOBAL wsrep_provider_options='pc.bootstrap=YES'`). */
  sql(i: number, statement: string): Promise<void>;
  stop(): Promise<void>;
}

const ownedByMysql = process.getuid?.() === 0;

function writeCnf(node: GaleraNode, all: NodePorts[]): void {
  const members = all.map((p) => `127.0.0.1:${p.gmcast}`).join(',');
  const lines = [
    '[mariadbd]',
    // As root the server drops to `mysql`; rsync's SST daemon on a joiner then runs as that user too.
    ...(ownedByMysql ? ['user=mysql'] : []),
    `datadir=${node.datadir}`,
    `socket=${join(node.dir, 'mysqld.sock')}`,
    `pid-file=${join(node.dir, 'mysqld.pid')}`,
    `log-error=${node.errorLog}`,
    `port=${node.ports.sql}`,
    'bind-address=127.0.0.1',
    'skip-log-bin',
    'innodb_buffer_pool_size=64M',
    'innodb_log_file_size=32M',
    'max_connections=300',
    // What Galera requires, and iclockd's doctor checks.
    'binlog_format=ROW',
    'default_storage_engine=InnoDB',
    'innodb_autoinc_lock_mode=2',
    'wsrep_on=ON',
    `wsrep_provider=${GALERA_PROVIDER}`,
    'wsrep_cluster_name=iclockd_test',
    `wsrep_node_name=node${node.index + 1}`,
    `wsrep_node_address=127.0.0.1:${node.ports.gmcast}`,
    `wsrep_cluster_address=gcomm://${members}`,
    `wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:${node.ports.gmcast};ist.recv_addr=127.0.0.1:${node.ports.ist};gcache.size=64M;evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S;evs.install_timeout=PT4S"`,
    'wsrep_sst_method=rsync',
    `wsrep_sst_receive_address=127.0.0.1:${node.ports.sst}`,
    'wsrep_slave_threads=2',
    // Each conflict's losing statement in the error log: the cluster test counts them by table.
    'wsrep_log_conflicts=ON',
    '',
  ];
  writeFileSync(node.cnf, lines.join('\n'));
}

async function distinctPorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

function startProcess(node: GaleraNode, extra: string[]): void {
  const child = spawn(MARIADBD, [`--defaults-file=${node.cnf}`, ...extra], { stdio: 'ignore' });
  node.process = child;
  node.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const c = await mysql.createConnection({ uri: url, connectTimeout: 1000 });
  try {
    return (await c.query(sql))[0] as T[];
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function readStatus(node: GaleraNode, name: string): Promise<string | null> {
  const rows = await query<{ Value: string }>(node.url, `SHOW STATUS LIKE '${name}'`);
  return rows[0]?.Value ?? null;
}

async function waitSynced(node: GaleraNode, size: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  let last = '';
  while (Date.now() < end) {
    if (node.process?.exitCode !== null && node.process?.exitCode !== undefined) {
      throw new Error(`node${node.index + 1} exited (${node.process.exitCode}): ${node.log().slice(-3000)}`);
    }
    try {
      const state = await readStatus(node, 'wsrep_local_state_comment');
      const members = Number(await readStatus(node, 'wsrep_cluster_size'));
      last = `${state}, cluster size ${members}`;
      if (state === 'Synced' && members >= size) return;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`node${node.index + 1} not Synced within ${ms} ms (${last}): ${node.log().slice(-3000)}`);
}

/** The position InnoDB last committed, as `mariadbd --wsrep-recover` prints it (galera_recovery's way). */
function recoverPosition(node: GaleraNode): string {
  const from = node.logSize();
  const r = spawnSync(MARIADBD, [`--defaults-file=${node.cnf}`, '--wsrep-recover', '--disable-log-error'], { encoding: 'utf8', timeout: 60_000 });
  const text = `${r.stdout}\n${r.stderr}\n${node.log(from)}`;
  const m = /WSREP: Recovered position: (\S+:-?\d+)/.exec(text);
  if (!m) throw new Error(`no recovered position for node${node.index + 1}: ${text.slice(-2000)}`);
  return m[1]!;
}

export async function startGaleraCluster(size = 3): Promise<GaleraCluster> {
  const missing = galeraMissing();
  if (missing) throw new Error(missing);
  const base = mkdtempSync(join(tmpdir(), 'iclockd-galera-'));
  chmodSync(base, 0o755); // the server, as `mysql`, must reach its directory
  const ports = await distinctPorts(size * 4);
  const all: NodePorts[] = Array.from({ length: size }, (_, i) => ({ sql: ports[i * 4]!, gmcast: ports[i * 4 + 1]!, ist: ports[i * 4 + 2]!, sst: ports[i * 4 + 3]! }));
  const nodes = all.map((p, i) => {
    const node = new GaleraNode(i, join(base, `node${i + 1}`), p);
    mkdirSync(node.datadir, { recursive: true });
    writeCnf(node, all);
    return node;
  });
  const own = (path: string) => {
    if (!ownedByMysql) return;
    const uid = Number(spawnSync('id', ['-u', 'mysql'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'mysql'], { encoding: 'utf8' }).stdout.trim());
    spawnSync('chown', ['-R', `${uid}:${gid}`, path]);
    chownSync(path, uid, gid);
  };
  for (const n of nodes) own(n.dir);

  const cluster: GaleraCluster = {
    nodes,
    url: (i, database) => `${nodes[i]!.url}/${database}`,
    async kill(i) {
      const node = nodes[i]!;
      node.process?.kill('SIGKILL');
      await node.exited;
      node.process = null;
    },
    async restart(i) {
      const node = nodes[i]!;
      const position = recoverPosition(node);
      const from = node.logSize();
      startProcess(node, [`--wsrep-start-position=${position}`]);
      // A cluster of every node running now (another may still be down, to be restarted next).
      await waitSynced(node, nodes.filter((n) => n.process !== null).length, 90_000);
      const log = node.log(from);
      // rsync's script runs either way; it says which transfer it made.
      return /rsync IST completed on joiner/.test(log) && !/rsync SST completed on joiner/.test(log) ? 'IST' : 'SST';
    },
    status: (i, name) => readStatus(nodes[i]!, name),
    async sql(i, statement) {
      await query(nodes[i]!.url, statement);
    },
    async stop() {
      for (const n of nodes) n.process?.kill('SIGKILL');
      await Promise.all(nodes.map((n) => n.exited));
      rmSync(base, { recursive: true, force: true });
    },
  };

  try {
    // The first node: a fresh system database, then a new cluster of one.
    const init = spawnSync('/usr/bin/mariadb-install-db', [`--defaults-file=${nodes[0]!.cnf}`, '--auth-root-authentication-method=normal', '--skip-test-db'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (init.status !== 0) throw new Error(`mariadb-install-db failed: ${init.stdout}\n${init.stderr}`);
    own(nodes[0]!.dir);
    startProcess(nodes[0]!, ['--wsrep-new-cluster']);
    await waitSynced(nodes[0]!, 1, 60_000);
    // Root over TCP from 127.0.0.1 with no password (mariadb-install-db made root@localhost only).
    await query(nodes[0]!.url, "CREATE USER IF NOT EXISTS root@'127.0.0.1' IDENTIFIED BY ''");
    await query(nodes[0]!.url, "GRANT ALL PRIVILEGES ON *.* TO root@'127.0.0.1' WITH GRANT OPTION");
    // The others join one at a time, each by a full state transfer into its empty directory.
    for (const n of nodes.slice(1)) {
      startProcess(n, []);
      await waitSynced(n, n.index + 1, 90_000);
    }
    return cluster;
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

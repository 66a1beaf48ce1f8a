// `iclockd doctor` on a Galera node: what iclockd needs of the node, each gap named with its fix.
// (The cluster test runs doctor against a real node of a real cluster; here, each rule.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { galeraCheck } from '../../src/cli/doctor.js';
import type { GaleraStatus } from '../../src/store/databaseServer.js';

const healthy: GaleraStatus = { node: 'db1', clusterSize: 3, clusterStatus: 'Primary', localState: 'Synced', ready: true, binlogFormat: 'ROW', autoincLockMode: 2, sessionSyncWait: 1, retryAutocommit: 1 };

test('a Synced node of a primary cluster of three, set as Galera needs: ok, with the facts', () => {
  const c = galeraCheck(healthy);
  assert.equal(c.status, 'ok');
  assert.match(c.detail, /node db1, Synced, one of 3 \(Primary\); binlog_format ROW, innodb_autoinc_lock_mode 2, wsrep_sync_wait 1/);
});

test('each gap is named with its fix: failures for what breaks iclockd, warnings for what weakens it', () => {
  const cases: [Partial<GaleraStatus>, 'warn' | 'fail', RegExp, RegExp][] = [
    [{ clusterStatus: 'non-Primary', ready: false }, 'fail', /not in the primary component \(non-Primary, wsrep_ready OFF\)/, /error log/],
    [{ binlogFormat: 'STATEMENT' }, 'fail', /binlog_format is STATEMENT/, /binlog_format=ROW/],
    [{ autoincLockMode: 1 }, 'fail', /innodb_autoinc_lock_mode is 1/, /innodb_autoinc_lock_mode=2/],
    [{ localState: 'Donor/Desynced' }, 'warn', /is Donor\/Desynced, not Synced/, /Synced node/],
    [{ sessionSyncWait: 0 }, 'warn', /wsrep_sync_wait is 0/, /wsrep_sync_wait=1/],
    [{ clusterSize: 2 }, 'warn', /a cluster of 2: losing one node loses the quorum/, /garbd/],
  ];
  for (const [change, status, detail, fix] of cases) {
    const c = galeraCheck({ ...healthy, ...change });
    assert.equal(c.status, status, JSON.stringify(change));
    assert.match(c.detail, detail);
    assert.match(c.fix ?? '', fix);
  }
});

test('a failure outranks a warning, and every problem is listed', () => {
  const c = galeraCheck({ ...healthy, binlogFormat: 'MIXED', localState: 'Joined', sessionSyncWait: 0 });
  assert.equal(c.status, 'fail');
  assert.match(c.detail, /binlog_format is MIXED/);
  assert.match(c.detail, /Joined, not Synced/);
  assert.match(c.detail, /wsrep_sync_wait is 0/);
});

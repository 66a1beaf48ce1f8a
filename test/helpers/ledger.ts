// The simulated fleet's ledger against the database: the simulator's users are made employees
// (so every punch becomes a check-in), every punch made and every batch acknowledged is noted,
// and at the end each terminal's stored punches are checked against it.
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import type { SimulationOptions } from '../../src/simulator/simulator.js';
import { insertEmployees } from '../../src/store/employees.js';

/** The simulator's users (PINs 1001…, 2001…, one block per terminal) as Active employees, in `defaultShift` if given. */
export async function seedSimulatorEmployees(knex: Knex, devices: number, users: number, defaultShift: string | null = null): Promise<void> {
  await insertEmployees(
    knex,
    Array.from({ length: devices * users }, (_, n) => {
      const pin = String(1000 * (Math.floor(n / users) + 1) + (n % users) + 1);
      return { employee: `EMP-${pin}`, name: `Sim ${pin}`, site: 'main', attendanceDeviceId: pin, status: 'Active' as const, defaultShift };
    }),
    new Date(),
  );
}

export class Ledger {
  /** ATTLOG lines by terminal serial. */
  readonly made = new Map<string, Set<string>>();
  readonly acknowledged = new Map<string, Set<string>>();

  /** For SimulationOptions.onPunches. */
  readonly note: NonNullable<SimulationOptions['onPunches']> = (e) => {
    const ledger = e.kind === 'made' ? this.made : this.acknowledged;
    const set = ledger.get(e.sn) ?? new Set<string>();
    for (const l of e.lines) set.add(l);
    ledger.set(e.sn, set);
  };

  count(ledger: Map<string, Set<string>>): number {
    return [...ledger.values()].reduce((n, s) => n + s.size, 0);
  }

  /**
   * Every acknowledged punch is stored, every punch made is stored exactly once, and each
   * became exactly one check-in (the whole database holds only this fleet's punches).
   */
  async checkAgainst(knex: Knex): Promise<void> {
    let stored = 0;
    for (const [sn, lines] of this.made) {
      const rows = (await knex('punches').where({ device_serial: sn }).select('device_user_id', 'local_time')) as { device_user_id: string; local_time: string }[];
      const inDb = new Set(rows.map((r) => `${r.device_user_id}\t${r.local_time}`));
      assert.equal(inDb.size, rows.length, `${sn}: a punch stored twice`);
      for (const line of this.acknowledged.get(sn) ?? []) {
        const [pin, time] = line.split('\t');
        assert.ok(inDb.has(`${pin}\t${time}`), `${sn}: acknowledged punch ${pin} ${time} is not stored`);
      }
      assert.equal(rows.length, lines.size, `${sn}: stored punches are the punches made`);
      stored += rows.length;
    }
    assert.equal(stored, this.count(this.made));
    const checkins = Number(((await knex('checkins').count({ n: '*' })) as { n: number }[])[0]!.n);
    assert.equal(checkins, stored, 'one check-in per punch');
  }
}

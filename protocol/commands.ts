// Command texts a server queues for a terminal (Attendance PUSH 2.x syntax).

const TAB = '\t';

/**
 * A value inside a command line: TAB separates fields and CR/LF end the command, so control
 * characters become spaces (an employee named with a line break must not add a command).
 */
export function commandValue(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, ' ');
}

export interface UserFields {
  pin: string;
  name: string;
  privilege?: number;
  password?: string;
  card?: string;
  group?: number;
}

export const commands = {
  info: () => 'INFO',
  check: () => 'CHECK',
  log: () => 'LOG',
  reboot: () => 'REBOOT',
  clearLog: () => 'CLEAR LOG',
  reloadOptions: () => 'RELOAD OPTIONS',
  setOption: (key: string, value: string) => `SET OPTION ${key}=${value}`,
  updateUser: (u: UserFields) =>
    `DATA UPDATE USERINFO PIN=${commandValue(u.pin)}${TAB}Name=${commandValue(u.name)}${TAB}Pri=${u.privilege ?? 0}${TAB}Passwd=${commandValue(u.password ?? '')}${TAB}Card=${commandValue(u.card ?? '')}${TAB}Grp=${u.group ?? 1}`,
  deleteUser: (pin: string) => `DATA DELETE USERINFO PIN=${commandValue(pin)}`,
  /** A template record as a device uploaded it (FP, FACE, FVEIN, BIODATA, …), sent to another device. */
  updateTemplate: (kind: string, fields: Record<string, string>) =>
    `DATA UPDATE ${kind.toUpperCase() === 'FP' ? 'FINGERTMP' : kind.toUpperCase()} ${Object.entries(fields)
      .map(([k, v]) => `${commandValue(k)}=${commandValue(v)}`)
      .join(TAB)}`,
  queryAttlog: (start: string, end: string) => `DATA QUERY ATTLOG StartTime=${start}${TAB}EndTime=${end}`,
  verifySumAttlog: (start: string, end: string) => `VERIFY SUM ATTLOG StartTime=${start}${TAB}EndTime=${end}`,
};

/** Command ids are digits, at most 16 characters (the firmware echoes them back). */
export function isValidCommandId(id: string): boolean {
  return /^[0-9A-Za-z]{1,16}$/.test(id);
}

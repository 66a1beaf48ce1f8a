// Terminal clocks and contact, in the words operators read.

/** A number of seconds for people: "2 days", "5 h 59 min", "33 min 20 s", "45 s". */
export function spelledDuration(seconds: number): string {
  const s = Math.abs(Math.round(seconds));
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (days) return `${days} day${days === 1 ? '' : 's'}${hours ? ` ${hours} h` : ''}`;
  if (hours) return `${hours} h${minutes ? ` ${minutes} min` : ''}`;
  if (minutes) return `${minutes} min${rest ? ` ${rest} s` : ''}`;
  return `${rest} s`;
}

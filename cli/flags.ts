/**
 * A small, strict flag parser: `--name value`, `--name=value`, boolean `--name` / `--name=false`.
 * Unknown flags and missing values are errors (the CLI prints them with usage and exits 2).
 */
export interface FlagSpec {
  name: string;
  type: 'string' | 'number' | 'boolean' | 'duration';
  default?: string | number | boolean;
  help: string;
  /** A string flag that may be given several times (upstream's stringArray): its value is a string[]. */
  repeated?: boolean;
}

export class FlagError extends Error {}

export type FlagValues = Record<string, string | number | boolean | string[] | undefined>;

export function parseFlags(args: string[], specs: FlagSpec[]): { values: FlagValues; rest: string[] } {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const values: FlagValues = {};
  // Duration defaults are written like the flags ('10s') and parsed like them: commands always get milliseconds.
  for (const s of specs) values[s.name] = s.type === 'duration' && typeof s.default === 'string' ? parseDuration(s.default, s.name) : s.default;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--') {
      rest.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('--')) {
      rest.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq > 0 ? eq : undefined);
    const spec = byName.get(name);
    if (!spec) throw new FlagError(`unknown flag: --${name}`);
    let raw: string | undefined = eq > 0 ? a.slice(eq + 1) : undefined;
    if (spec.type === 'boolean') {
      if (raw === undefined) values[name] = true;
      else if (raw === 'true' || raw === 'false') values[name] = raw === 'true';
      else throw new FlagError(`invalid value for --${name}: ${JSON.stringify(raw)} (want true or false)`);
      continue;
    }
    if (raw === undefined) {
      raw = args[++i];
      if (raw === undefined) throw new FlagError(`flag needs an argument: --${name}`);
    }
    if (spec.type === 'number') {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw new FlagError(`invalid value for --${name}: ${JSON.stringify(raw)} (want a number)`);
      values[name] = n;
    } else if (spec.type === 'duration') {
      values[name] = parseDuration(raw, name);
    } else if (spec.repeated) {
      const prev = values[name];
      values[name] = [...(Array.isArray(prev) ? prev : []), raw];
    } else {
      values[name] = raw;
    }
  }
  return { values, rest };
}

/** Go-style durations (`50s`, `5m`, `1h30m`, `250ms`) to milliseconds. */
export function parseDuration(raw: string, name = 'duration'): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(raw)) !== null) {
    const v = Number(m[1]);
    total += v * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const)[m[2] as 'ms' | 's' | 'm' | 'h'];
    matched = re.lastIndex;
  }
  if (raw === '' || matched !== raw.length) throw new FlagError(`invalid duration for --${name}: ${JSON.stringify(raw)} (e.g. 50s, 5m, 1h30m)`);
  return total;
}

export function usage(command: string, summary: string, specs: FlagSpec[]): string {
  const lines = [`Usage: kubelab ${command} [flags]`, '', summary, '', 'Flags:'];
  for (const s of specs) {
    const def = s.default === undefined ? '' : ` (default ${JSON.stringify(s.default)})`;
    lines.push(`  --${s.name}${s.type === 'boolean' ? '' : ` <${s.type}>`}`.padEnd(40) + s.help + def);
  }
  return lines.join('\n');
}

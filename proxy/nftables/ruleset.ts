/**
 * The nftables ruleset of the proxy as data (chains with their rule texts, verdict maps with their elements,
 * sets), and the nft scripts that create it from scratch or move an applied ruleset to a new one in one
 * transaction. Pure: no processes here (see proxier.ts for who runs them).
 */

export interface NftBaseChain {
  type: 'filter' | 'nat';
  hook: 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';
  /** Numeric priority (nft 1.0 accepts names like "dstnat" only on some hooks). */
  priority: number;
}

export interface NftChain {
  name: string;
  base?: NftBaseChain;
  comment?: string;
  /** Rule texts as `add rule` takes them after the chain name. */
  rules: string[];
}

export interface NftMap {
  name: string;
  /** e.g. "ipv4_addr . inet_proto . inet_service : verdict". */
  type: string;
  comment: string;
  /** key -> value, both in nft syntax. */
  elements: Map<string, string>;
}

export interface NftSet {
  name: string;
  type: string;
  flags?: string[];
  timeoutSeconds?: number;
  comment?: string;
  /** Elements the proxy owns; undefined for a set the data path fills (affinity sets keep their entries). */
  elements?: string[];
}

export interface Ruleset {
  family: 'ip';
  table: string;
  comment: string;
  chains: Map<string, NftChain>;
  maps: Map<string, NftMap>;
  sets: Map<string, NftSet>;
  /**
   * The parts this ruleset was merged from (build-ruleset.ts), by owner ('' = base, else a service port);
   * a part that is the same object in two rulesets is unchanged, and renderDiff skips it.
   */
  fragments?: Map<string, Ruleset>;
  /**
   * Set by an incremental build: the ruleset built just before this one, and the keys of the fragments that
   * differ from it (new, rebuilt or gone). renderDiff against `since` looks at these fragments only.
   */
  changes?: { since: Ruleset; keys: Set<string> } | undefined;
}

function q(s: string): string {
  return JSON.stringify(s);
}

function chainDecl(prefix: string, c: NftChain): string {
  const parts: string[] = [];
  if (c.base) parts.push(`type ${c.base.type} hook ${c.base.hook} priority ${c.base.priority} ;`);
  if (c.comment) parts.push(`comment ${q(c.comment)} ;`);
  return `add chain ${prefix} ${c.name}${parts.length ? ` { ${parts.join(' ')} }` : ''}`;
}

function mapDecl(prefix: string, m: NftMap): string {
  return `add map ${prefix} ${m.name} { type ${m.type} ; comment ${q(m.comment)} ; }`;
}

function setDecl(prefix: string, s: NftSet): string {
  const parts = [`type ${s.type} ;`];
  if (s.flags?.length) parts.push(`flags ${s.flags.join(',')} ;`);
  if (s.timeoutSeconds !== undefined) parts.push(`timeout ${s.timeoutSeconds}s ;`);
  if (s.comment) parts.push(`comment ${q(s.comment)} ;`);
  return `add set ${prefix} ${s.name} { ${parts.join(' ')} }`;
}

/** Elements in statements of at most `chunk` each (one huge line is slow for nft's parser). */
function elementLines(verb: 'add' | 'delete', prefix: string, name: string, items: string[], out: string[], chunk = 500): void {
  for (let i = 0; i < items.length; i += chunk) out.push(`${verb} element ${prefix} ${name} { ${items.slice(i, i + chunk).join(', ')} }`);
}

/**
 * A script that makes the table exactly `desired`. With `recreate`, the table is deleted first (everything
 * else, affinity entries included, goes with it); without, it is flushed (rules and map elements go, affinity
 * sets keep their entries) and `stale` names (chains, sets, maps of the previous ruleset that `desired` lacks)
 * are deleted.
 */
export function renderFull(desired: Ruleset, options: { recreate: boolean; stale?: { chains: Iterable<string>; sets: Iterable<string> } }): string {
  const prefix = `${desired.family} ${desired.table}`;
  const out: string[] = [];
  out.push(`add table ${prefix} { comment ${q(desired.comment)} ; }`);
  out.push(options.recreate ? `delete table ${prefix}` : `flush table ${prefix}`);
  if (options.recreate) out.push(`add table ${prefix} { comment ${q(desired.comment)} ; }`);
  for (const c of desired.chains.values()) out.push(chainDecl(prefix, c));
  for (const s of desired.sets.values()) {
    out.push(setDecl(prefix, s));
    if (s.elements) {
      if (!options.recreate) out.push(`flush set ${prefix} ${s.name}`);
      elementLines('add', prefix, s.name, s.elements, out);
    }
  }
  for (const m of desired.maps.values()) {
    out.push(mapDecl(prefix, m));
    if (!options.recreate) out.push(`flush map ${prefix} ${m.name}`);
  }
  for (const c of desired.chains.values()) for (const r of c.rules) out.push(`add rule ${prefix} ${c.name} ${r}`);
  for (const m of desired.maps.values()) {
    elementLines('add', prefix, m.name, [...m.elements].map(([k, v]) => `${k} : ${v}`), out);
  }
  if (!options.recreate && options.stale) {
    for (const name of options.stale.chains) if (!desired.chains.has(name)) out.push(`delete chain ${prefix} ${name}`);
    for (const name of options.stale.sets) if (!desired.sets.has(name) && !desired.maps.has(name)) out.push(`delete set ${prefix} ${name}`);
  }
  return out.join('\n') + '\n';
}

/**
 * The smallest script that moves the table from `applied` (what the last successful transaction left) to
 * `desired`: element deletions, new chains, rewritten chains (flush + rules), new sets, element additions,
 * then stale chains and sets deleted once nothing refers to them. Empty when nothing changed. Assumes the table
 * still holds `applied`: if someone changed it, the transaction fails and the caller falls back to renderFull.
 */
export function renderDiff(applied: Ruleset, desired: Ruleset): string {
  if (applied.fragments && desired.fragments) {
    // Compare only the parts that changed: map declarations come from both sides so none looks added/removed.
    // Built right after `applied`, `desired` knows which fragments changed; otherwise compare every key.
    const keys = desired.changes?.since === applied ? desired.changes.keys : new Set([...applied.fragments.keys(), ...desired.fragments.keys()]);
    const a = partial(applied, desired, keys), d = partial(desired, applied, keys);
    if (a.changed === 0) return '';
    return diffRulesets(a.ruleset, d.ruleset);
  }
  return diffRulesets(applied, desired);
}

/**
 * The fragments of `r` among `keys` that are not the same objects in `other`, merged (with every map of both
 * declared: the maps of their base fragments and of the fragments compared).
 */
function partial(r: Ruleset, other: Ruleset, keys: Set<string>): { ruleset: Ruleset; changed: number } {
  const chains = new Map<string, NftChain>();
  const maps = new Map<string, NftMap>();
  const sets = new Map<string, NftSet>();
  const declare = (f: Ruleset | undefined) => {
    if (f) for (const m of f.maps.values()) if (!maps.has(m.name)) maps.set(m.name, { ...m, elements: new Map() });
  };
  declare(r.fragments?.get(''));
  declare(other.fragments?.get(''));
  for (const key of keys) {
    declare(r.fragments?.get(key));
    declare(other.fragments?.get(key));
  }
  let changed = 0;
  for (const key of keys) {
    const f = r.fragments?.get(key);
    if (f && f === other.fragments?.get(key)) continue;
    changed++;
    if (!f) continue;
    for (const [name, c] of f.chains) chains.set(name, c);
    for (const [name, s] of f.sets) sets.set(name, s);
    for (const [name, m] of f.maps) {
      const into = maps.get(name);
      if (into) for (const [k, v] of m.elements) into.elements.set(k, v);
    }
  }
  return { ruleset: { family: r.family, table: r.table, comment: r.comment, chains, maps, sets }, changed };
}

function diffRulesets(applied: Ruleset, desired: Ruleset): string {
  const prefix = `${desired.family} ${desired.table}`;
  const out: string[] = [];
  // 1. Map elements that go away or change value (they may point at chains deleted below).
  for (const m of desired.maps.values()) {
    const old = applied.maps.get(m.name);
    if (!old) continue;
    const gone: string[] = [];
    for (const [k, v] of old.elements) if (m.elements.get(k) !== v) gone.push(k);
    elementLines('delete', prefix, m.name, gone, out);
  }
  // 2. Chains and sets new in this ruleset.
  for (const c of desired.chains.values()) if (!applied.chains.has(c.name)) out.push(chainDecl(prefix, c));
  for (const s of desired.sets.values()) {
    const old = applied.sets.get(s.name);
    if (!old) {
      out.push(setDecl(prefix, s));
      if (s.elements) elementLines('add', prefix, s.name, s.elements, out);
    } else if (s.elements) {
      const want = new Set(s.elements);
      const had = new Set(old.elements ?? []);
      elementLines('delete', prefix, s.name, [...had].filter((e) => !want.has(e)), out);
      elementLines('add', prefix, s.name, [...want].filter((e) => !had.has(e)), out);
    }
  }
  for (const m of desired.maps.values()) if (!applied.maps.has(m.name)) out.push(mapDecl(prefix, m));
  // 3. Chains whose rules changed: rewritten whole.
  for (const c of desired.chains.values()) {
    const old = applied.chains.get(c.name);
    if (old && sameRules(old.rules, c.rules)) continue;
    if (old) out.push(`flush chain ${prefix} ${c.name}`);
    for (const r of c.rules) out.push(`add rule ${prefix} ${c.name} ${r}`);
  }
  // 4. Map elements new or changed.
  for (const m of desired.maps.values()) {
    const old = applied.maps.get(m.name);
    const added: string[] = [];
    for (const [k, v] of m.elements) if (old?.elements.get(k) !== v) added.push(`${k} : ${v}`);
    elementLines('add', prefix, m.name, added, out);
  }
  // 5. What is gone: chains (their referrers were rewritten above), then the sets their rules used.
  for (const name of applied.chains.keys()) if (!desired.chains.has(name)) out.push(`delete chain ${prefix} ${name}`);
  for (const name of applied.sets.keys()) if (!desired.sets.has(name)) out.push(`delete set ${prefix} ${name}`);
  for (const name of applied.maps.keys()) if (!desired.maps.has(name)) out.push(`delete map ${prefix} ${name}`);
  return out.length ? out.join('\n') + '\n' : '';
}

function sameRules(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

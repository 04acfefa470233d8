/**
 * Pod Security levels, versions and the namespace labels that choose them (k8s.io/pod-security-admission/api).
 */
export type Level = 'privileged' | 'baseline' | 'restricted';
export const VALID_LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];

/** A policy version: `latest`, or v1.<minor>. */
export interface Version {
  latest: boolean;
  minor: number;
}
export const LATEST: Version = { latest: true, minor: 0 };
export const v1 = (minor: number): Version => ({ latest: false, minor });

export interface LevelVersion {
  level: Level;
  version: Version;
}

export interface Policy {
  enforce: LevelVersion;
  audit: LevelVersion;
  warn: LevelVersion;
}

export const LABEL_PREFIX = 'pod-security.kubernetes.io/';
export const ENFORCE_LEVEL_LABEL = 'pod-security.kubernetes.io/enforce';
export const ENFORCE_VERSION_LABEL = 'pod-security.kubernetes.io/enforce-version';
export const AUDIT_LEVEL_LABEL = 'pod-security.kubernetes.io/audit';
export const AUDIT_VERSION_LABEL = 'pod-security.kubernetes.io/audit-version';
export const WARN_LEVEL_LABEL = 'pod-security.kubernetes.io/warn';
export const WARN_VERSION_LABEL = 'pod-security.kubernetes.io/warn-version';
/** The audit annotation prefix (admission api AuditAnnotationPrefix). */
export const AUDIT_ANNOTATION_PREFIX = 'pod-security.kubernetes.io/';

export function versionString(v: Version): string {
  return v.latest ? 'latest' : `v1.${v.minor}`;
}

export function levelVersionString(lv: LevelVersion): string {
  return `${lv.level}:${versionString(lv.version)}`;
}

export function sameLevelVersion(a: LevelVersion, b: LevelVersion): boolean {
  return a.level === b.level && a.version.latest === b.version.latest && (a.version.latest || a.version.minor === b.version.minor);
}

export function sameVersion(a: Version, b: Version): boolean {
  return a.latest === b.latest && (a.latest || a.minor === b.minor);
}

/** api.CompareLevels: -1 when a is less strict than b, 0 when equal, 1 when stricter. */
export function compareLevels(a: Level, b: Level): number {
  const rank = (l: Level) => VALID_LEVELS.indexOf(l);
  return Math.sign(rank(a) - rank(b));
}

/** The default policy (kube's PodSecurityConfiguration defaults): privileged:latest for all three modes. */
export const DEFAULT_POLICY: Policy = {
  enforce: { level: 'privileged', version: LATEST },
  audit: { level: 'privileged', version: LATEST },
  warn: { level: 'privileged', version: LATEST },
};

function parseLevel(s: string): Level | undefined {
  return (VALID_LEVELS as readonly string[]).includes(s) ? (s as Level) : undefined;
}

function parseVersion(s: string): Version | undefined {
  if (s === 'latest') return LATEST;
  const m = /^v1\.([0-9]|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const minor = Number(m[1]);
  return Number.isSafeInteger(minor) ? v1(minor) : undefined;
}

/**
 * api.PolicyToEvaluate: the namespace's policy from its labels over the defaults, and the label errors
 * (`metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "x": must be one of privileged,
 * baseline, restricted`). A bad enforce level evaluates as restricted; bad audit/warn levels fail open
 * (privileged); a bad version is latest.
 */
export function policyToEvaluate(labels: Record<string, string> | undefined, defaults: Policy = DEFAULT_POLICY): { policy: Policy; errors: string[] } {
  const p: Policy = { enforce: { ...defaults.enforce }, audit: { ...defaults.audit }, warn: { ...defaults.warn } };
  const errors: string[] = [];
  if (!labels) return { policy: p, errors };
  const invalid = (label: string, value: string, detail: string) => errors.push(`metadata.labels[${label}]: Invalid value: ${JSON.stringify(value)}: ${detail}`);
  const levelErr = `must be one of ${VALID_LEVELS.join(', ')}`;
  const versionErr = 'must be "latest" or "v1.x"';
  const modes: [keyof Policy, string, string, Level][] = [
    ['enforce', ENFORCE_LEVEL_LABEL, ENFORCE_VERSION_LABEL, 'restricted'],
    ['audit', AUDIT_LEVEL_LABEL, AUDIT_VERSION_LABEL, 'privileged'],
    ['warn', WARN_LEVEL_LABEL, WARN_VERSION_LABEL, 'privileged'],
  ];
  for (const [mode, levelLabel, versionLabel, onError] of modes) {
    const level = labels[levelLabel];
    if (level !== undefined) {
      const parsed = parseLevel(level);
      if (parsed) p[mode].level = parsed;
      else {
        p[mode].level = onError;
        invalid(levelLabel, level, levelErr);
      }
    }
    const version = labels[versionLabel];
    if (version !== undefined) {
      const parsed = parseVersion(version);
      if (parsed) p[mode].version = parsed;
      else {
        p[mode].version = LATEST;
        invalid(versionLabel, version, versionErr);
      }
    }
  }
  return { policy: p, errors };
}

/** utilerrors.NewAggregate(...).Error(): one message alone, several as `[a, b]`. */
export function aggregateMessage(errors: string[]): string {
  const unique = [...new Set(errors)];
  return unique.length === 1 ? (unique[0] as string) : `[${unique.join(', ')}]`;
}

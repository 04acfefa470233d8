/**
 * GET /version: k8s.io/apimachinery/pkg/version.Info.
 *
 * The `minor` matters: the kubectl on this machine is a dispatcher that runs `kubectl.1.<minor>` from this
 * answer (see /work/shared/reference/kubectl.md). 32 is the best-tested client; tests may pick 29..33.
 */

export interface VersionInfo {
  major: string;
  minor: string;
  /** Present from 1.33 on (compatibility versions); omitted for older minors. */
  emulationMajor?: string;
  emulationMinor?: string;
  minCompatibilityMajor?: string;
  minCompatibilityMinor?: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

export interface VersionInfoOptions {
  /** Kubernetes minor version to report; default 32. */
  minor?: number;
  /** Patch level in gitVersion; default 0. */
  patch?: number;
  /** Appended to gitVersion (`+kubelab`); default none, so kubectl prints `v1.32.0` like upstream. */
  gitVersionSuffix?: string;
  gitCommit?: string;
  buildDate?: string;
  /** GOOS/GOARCH; default from the running process (`linux/amd64`). */
  platform?: string;
}

export const DEFAULT_MINOR = 32;

/** The Go release each minor's first patch release was built with (informational only). */
const GO_VERSIONS: Record<number, string> = {
  29: 'go1.21.5',
  30: 'go1.22.2',
  31: 'go1.22.5',
  32: 'go1.23.3',
  33: 'go1.24.2',
};

function goArch(arch: string): string {
  switch (arch) {
    case 'x64':
      return 'amd64';
    case 'ia32':
      return '386';
    case 'arm':
      return 'arm';
    default:
      return arch;
  }
}

/** The /version body. */
export function versionInfo(opts: VersionInfoOptions = {}): VersionInfo {
  const minor = opts.minor ?? DEFAULT_MINOR;
  if (!Number.isInteger(minor) || minor < 0) throw new Error(`versionInfo: invalid minor ${minor}`);
  const patch = opts.patch ?? 0;
  const emulation =
    minor >= 33
      ? { emulationMajor: '1', emulationMinor: String(minor), minCompatibilityMajor: '1', minCompatibilityMinor: String(minor - 1) }
      : {};
  const info: VersionInfo = {
    major: '1',
    minor: String(minor),
    ...emulation,
    gitVersion: `v1.${minor}.${patch}${opts.gitVersionSuffix ?? ''}`,
    gitCommit: opts.gitCommit ?? '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: opts.buildDate ?? '1970-01-01T00:00:00Z',
    goVersion: GO_VERSIONS[minor] ?? 'go1.23.3',
    compiler: 'gc',
    platform: opts.platform ?? `${process.platform}/${goArch(process.arch)}`,
  };
  return info;
}

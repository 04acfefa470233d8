import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/**
 * kube-apiserver's structured authentication configuration (--authentication-config FILE, the
 * AuthenticationConfiguration of apiserver.config.k8s.io v1alpha1 / v1beta1 / v1). kubelab supports its
 * `anonymous` section (KEP-4633 AnonymousAuthConfigurableEndpoints): anonymous authentication on or off, and
 * when on, optionally only for requests whose path is exactly one of `conditions[].path`. Anything else
 * upstream accepts there (`jwt` authenticators) is refused with a clear message; unknown fields are refused
 * as upstream's strict decoder does.
 */

export const AUTHENTICATION_CONFIG_GROUP = 'apiserver.config.k8s.io';
export const AUTHENTICATION_CONFIG_VERSIONS = ['v1alpha1', 'v1beta1', 'v1'] as const;

/** AnonymousAuthCondition: anonymous authentication is allowed for this exact request path. */
export interface AnonymousAuthCondition {
  path: string;
}

/** AnonymousAuthConfig. */
export interface AnonymousAuthConfig {
  enabled: boolean;
  /** When non-empty, anonymous authentication applies only to requests whose path is one of these. */
  conditions?: AnonymousAuthCondition[];
}

/** The parts of AuthenticationConfiguration kubelab reads. */
export interface AuthenticationConfiguration {
  apiVersion: string;
  kind: 'AuthenticationConfiguration';
  /** Present: --anonymous-auth must not be set. */
  anonymous?: AnonymousAuthConfig;
}

/** A file that cannot be decoded or does not validate (the message is upstream's where it has one). */
export class AuthenticationConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthenticationConfigError';
  }
}

const TOP_LEVEL_FIELDS = new Set(['apiVersion', 'kind', 'jwt', 'anonymous']);
const ANONYMOUS_FIELDS = new Set(['enabled', 'conditions']);
const CONDITION_FIELDS = new Set(['path']);

/** Reads and decodes --authentication-config (loadAuthenticationConfig), then validates it. */
export function loadAuthenticationConfiguration(file: string): AuthenticationConfiguration {
  let data: string;
  try {
    data = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AuthenticationConfigError(code === 'ENOENT' ? `open ${file}: no such file or directory` : `open ${file}: ${(e as Error).message}`);
  }
  return parseAuthenticationConfiguration(data);
}

/** Decodes YAML or JSON text into an AuthenticationConfiguration (strict, as upstream's codec) and validates it. */
export function parseAuthenticationConfiguration(data: string): AuthenticationConfiguration {
  if (data.trim() === '') throw new AuthenticationConfigError('empty config data');
  let doc: unknown;
  try {
    doc = parseYaml(data);
  } catch (e) {
    throw new AuthenticationConfigError(`error converting YAML to JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!isObject(doc)) throw new AuthenticationConfigError(`couldn't get version/kind; json parse error: cannot unmarshal ${goTypeName(doc)} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`);
  const apiVersion = typeof doc['apiVersion'] === 'string' ? doc['apiVersion'] : '';
  const kind = typeof doc['kind'] === 'string' ? doc['kind'] : '';
  const compact = JSON.stringify(doc);
  if (kind === '') throw new AuthenticationConfigError(`Object 'Kind' is missing in '${compact}'`);
  if (apiVersion === '') throw new AuthenticationConfigError(`Object 'apiVersion' is missing in '${compact}'`);
  const slash = apiVersion.indexOf('/');
  const group = slash >= 0 ? apiVersion.slice(0, slash) : '';
  const version = slash >= 0 ? apiVersion.slice(slash + 1) : apiVersion;
  if (group !== AUTHENTICATION_CONFIG_GROUP || !(AUTHENTICATION_CONFIG_VERSIONS as readonly string[]).includes(version) || kind !== 'AuthenticationConfiguration') {
    throw new AuthenticationConfigError(`no kind "${kind}" is registered for version "${apiVersion}" in scheme "pkg/runtime/scheme.go:100"`);
  }

  // The strict decoder: every unknown field is an error, all reported at once.
  const unknown: string[] = [];
  for (const k of Object.keys(doc)) if (!TOP_LEVEL_FIELDS.has(k)) unknown.push(k);
  const anonymousRaw = doc['anonymous'];
  let anonymous: AnonymousAuthConfig | undefined;
  if (anonymousRaw !== undefined && anonymousRaw !== null) {
    if (!isObject(anonymousRaw)) throw new AuthenticationConfigError(`json: cannot unmarshal ${goTypeName(anonymousRaw)} into Go struct field AuthenticationConfiguration.anonymous of type v1beta1.AnonymousAuthConfig`);
    for (const k of Object.keys(anonymousRaw)) if (!ANONYMOUS_FIELDS.has(k)) unknown.push(`anonymous.${k}`);
    const enabledRaw = anonymousRaw['enabled'];
    if (enabledRaw !== undefined && enabledRaw !== null && typeof enabledRaw !== 'boolean') {
      throw new AuthenticationConfigError(`json: cannot unmarshal ${goTypeName(enabledRaw)} into Go struct field AnonymousAuthConfig.anonymous.enabled of type bool`);
    }
    const conditionsRaw = anonymousRaw['conditions'];
    const conditions: AnonymousAuthCondition[] = [];
    if (conditionsRaw !== undefined && conditionsRaw !== null) {
      if (!Array.isArray(conditionsRaw)) throw new AuthenticationConfigError(`json: cannot unmarshal ${goTypeName(conditionsRaw)} into Go struct field AnonymousAuthConfig.anonymous.conditions of type []v1beta1.AnonymousAuthCondition`);
      conditionsRaw.forEach((c, i) => {
        if (!isObject(c)) throw new AuthenticationConfigError(`json: cannot unmarshal ${goTypeName(c)} into Go struct field AnonymousAuthConfig.anonymous.conditions of type v1beta1.AnonymousAuthCondition`);
        for (const k of Object.keys(c)) if (!CONDITION_FIELDS.has(k)) unknown.push(`anonymous.conditions[${i}].${k}`);
        const path = c['path'];
        if (path !== undefined && path !== null && typeof path !== 'string') {
          throw new AuthenticationConfigError(`json: cannot unmarshal ${goTypeName(path)} into Go struct field AnonymousAuthCondition.anonymous.conditions.path of type string`);
        }
        conditions.push({ path: typeof path === 'string' ? path : '' });
      });
    }
    anonymous = { enabled: enabledRaw === true, ...(conditions.length > 0 ? { conditions } : {}) };
  }
  if (unknown.length > 0) {
    const parts = unknown.map((f) => `unknown field "${f}"`);
    throw new AuthenticationConfigError(`strict decoding error: ${parts.join(', ')}`);
  }

  const config: AuthenticationConfiguration = { apiVersion, kind: 'AuthenticationConfiguration', ...(anonymous ? { anonymous } : {}) };
  const errors = validateAuthenticationConfiguration(config, doc['jwt']);
  if (errors.length > 0) throw new AuthenticationConfigError(aggregate(errors));
  return config;
}

/**
 * ValidateAuthenticationConfiguration for what kubelab supports: `anonymous.conditions` need `enabled: true`
 * (upstream's message); `jwt` authenticators are refused (kubelab has no OIDC/JWT authenticator).
 */
export function validateAuthenticationConfiguration(config: AuthenticationConfiguration, jwt?: unknown): string[] {
  const errors: string[] = [];
  if (jwt !== undefined && jwt !== null && !(Array.isArray(jwt) && jwt.length === 0)) {
    errors.push('jwt: Forbidden: jwt authenticators are not supported by kubelab (authenticate with client certificates, --token-auth-file, bootstrap tokens or ServiceAccount tokens)');
  }
  const a = config.anonymous;
  if (a && !a.enabled && a.conditions && a.conditions.length > 0) {
    errors.push(`anonymous.conditions: Invalid value: ${goConditions(a.conditions)}: enabled should be set to true when conditions are defined`);
  }
  return errors;
}

/** The anonymous authenticator's settings once --anonymous-auth and the file are combined. */
export interface AnonymousAuthentication {
  enabled: boolean;
  /** When present, the exact paths anonymous requests are allowed on (others are 401). */
  paths?: ReadonlySet<string>;
}

/**
 * BuiltInAuthenticationOptions.ToAuthenticationConfig for anonymous: `anonymousAuthFlag` is --anonymous-auth
 * when given on the command line (undefined when not). The flag and a file's `anonymous` are mutually
 * exclusive (upstream's message, its typo included); without either, anonymous is on.
 */
export function resolveAnonymousAuthentication(anonymousAuthFlag: boolean | undefined, config: AuthenticationConfiguration | undefined): AnonymousAuthentication {
  if (config?.anonymous) {
    if (anonymousAuthFlag !== undefined) {
      throw new AuthenticationConfigError('--anonynous-auth flag cannot be set when anonymous field is configured in authentication configuration file');
    }
    const { enabled, conditions } = config.anonymous;
    return enabled && conditions && conditions.length > 0 ? { enabled, paths: new Set(conditions.map((c) => c.path)) } : { enabled };
  }
  return { enabled: anonymousAuthFlag ?? true };
}

/** Whether a request to `path` (no query) may be system:anonymous (request/anonymous with conditions). */
export function anonymousAllowed(anonymous: AnonymousAuthentication, path: string): boolean {
  if (!anonymous.enabled) return false;
  return !anonymous.paths || anonymous.paths.has(path);
}

/** The AuthenticationConfiguration `kubelab up` writes: anonymous only for health and version. */
export function healthOnlyAuthenticationConfigYaml(paths: readonly string[] = ['/healthz', '/livez', '/readyz', '/version']): string {
  return [
    `apiVersion: ${AUTHENTICATION_CONFIG_GROUP}/v1beta1`,
    'kind: AuthenticationConfiguration',
    'anonymous:',
    '  enabled: true',
    '  conditions:',
    ...paths.map((p) => `  - path: ${p}`),
    '',
  ].join('\n');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The Go type name encoding/json reports for a JSON value it cannot unmarshal. */
function goTypeName(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'bool';
    default:
      return 'object';
  }
}

/** field.Invalid renders a []AnonymousAuthCondition value with %#v. */
function goConditions(conditions: readonly AnonymousAuthCondition[]): string {
  return `[]apiserver.AnonymousAuthCondition{${conditions.map((c) => `apiserver.AnonymousAuthCondition{Path:${JSON.stringify(c.path)}}`).join(', ')}}`;
}

/** utilerrors.NewAggregate's message. */
function aggregate(messages: string[]): string {
  return messages.length === 1 ? (messages[0] as string) : `[${messages.join(', ')}]`;
}

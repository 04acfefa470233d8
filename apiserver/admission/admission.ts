import type { KubeObject } from '../../shared/api/meta.ts';
import type { UserInfo } from '../authentication/user-info.ts';

/** k8s.io/apiserver pkg/admission.Attributes. */
export interface AdmissionAttributes {
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  /** e.g. { group: '', version: 'v1', kind: 'Pod' } */
  kind: { group: string; version: string; kind: string };
  resource: { group: string; version: string; resource: string };
  subresource: string;
  namespace: string;
  name: string;
  /** The object being written (mutating plugins may change it); absent for DELETE and CONNECT. */
  object?: KubeObject;
  /** The stored object, on UPDATE and DELETE. */
  oldObject?: KubeObject;
  user: UserInfo;
  dryRun: boolean;
  /** Warnings to return to the client (Warning headers), appended by plugins. */
  warnings: string[];
}

/** A plugin that may change the object (runs first, in order). Throws a StatusError to refuse. */
export interface MutationInterface {
  readonly name: string;
  handles(a: AdmissionAttributes): boolean;
  admit(a: AdmissionAttributes): Promise<void> | void;
}

/** A plugin that may only refuse (runs after every mutation and after the strategy's validation). */
export interface ValidationInterface {
  readonly name: string;
  handles(a: AdmissionAttributes): boolean;
  validate(a: AdmissionAttributes): Promise<void> | void;
}

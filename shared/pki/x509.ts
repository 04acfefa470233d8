/**
 * @peculiar/x509, loaded the one way that works: it registers its classes with tsyringe, which needs the
 * Reflect metadata polyfill evaluated first, and it signs with Node's WebCrypto. Import x509 from here only.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };

/** The core kubectl suite with kubectl 1.32 against a server whose /version says 1.32. */
import { coreSuite } from './_core-suite.ts';

coreSuite(32);

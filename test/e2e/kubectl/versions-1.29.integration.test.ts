/** The core kubectl suite with kubectl 1.29 against a server whose /version says 1.29. */
import { coreSuite } from './_core-suite.ts';

coreSuite(29);

/** The core kubectl suite with kubectl 1.31 against a server whose /version says 1.31. */
import { coreSuite } from './_core-suite.ts';

coreSuite(31);

/** The core kubectl suite with kubectl 1.33 against a server whose /version says 1.33. */
import { coreSuite } from './_core-suite.ts';

coreSuite(33);

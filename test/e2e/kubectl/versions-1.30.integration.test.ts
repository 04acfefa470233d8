/** The core kubectl suite with kubectl 1.30 against a server whose /version says 1.30. */
import { coreSuite } from './_core-suite.ts';

coreSuite(30);

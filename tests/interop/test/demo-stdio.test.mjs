// Demo catalogue over stdio (the checks live in lib/demo-suite.mjs).
import { defineDemoSuite } from '../lib/demo-suite.mjs';

defineDemoSuite('stdio');

// Demo catalogue over stdio (the checks live in demo-suite.mjs).
import { defineDemoSuite } from './demo-suite.mjs';

defineDemoSuite('stdio');

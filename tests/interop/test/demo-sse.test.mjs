// Demo catalogue over sse (the checks live in demo-suite.mjs).
import { defineDemoSuite } from './demo-suite.mjs';

defineDemoSuite('sse');

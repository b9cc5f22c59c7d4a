// Demo catalogue over streamable-http (the checks live in demo-suite.mjs).
import { defineDemoSuite } from './demo-suite.mjs';

defineDemoSuite('streamable-http');

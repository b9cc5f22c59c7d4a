// Demo catalogue over streamable-http (the checks live in lib/demo-suite.mjs).
import { defineDemoSuite } from '../lib/demo-suite.mjs';

defineDemoSuite('streamable-http');

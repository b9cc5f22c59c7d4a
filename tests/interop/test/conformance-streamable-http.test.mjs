// Conformance catalogue fixtures over streamable-http (the checks live in lib/conformance-suite.mjs).
import { defineConformanceSuite } from '../lib/conformance-suite.mjs';

defineConformanceSuite('streamable-http');

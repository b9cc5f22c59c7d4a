// Conformance catalogue fixtures over streamable-http (the checks live in conformance-suite.mjs).
import { defineConformanceSuite } from './conformance-suite.mjs';

defineConformanceSuite('streamable-http');

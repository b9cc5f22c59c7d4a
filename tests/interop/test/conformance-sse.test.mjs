// Conformance catalogue fixtures over sse (the checks live in conformance-suite.mjs).
import { defineConformanceSuite } from './conformance-suite.mjs';

defineConformanceSuite('sse');

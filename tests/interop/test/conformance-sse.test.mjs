// Conformance catalogue fixtures over sse (the checks live in lib/conformance-suite.mjs).
import { defineConformanceSuite } from '../lib/conformance-suite.mjs';

defineConformanceSuite('sse');

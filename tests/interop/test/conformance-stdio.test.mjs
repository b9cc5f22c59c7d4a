// Conformance catalogue fixtures over stdio (the checks live in conformance-suite.mjs).
import { defineConformanceSuite } from './conformance-suite.mjs';

defineConformanceSuite('stdio');

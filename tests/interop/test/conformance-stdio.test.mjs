// Conformance catalogue fixtures over stdio (the checks live in lib/conformance-suite.mjs).
import { defineConformanceSuite } from '../lib/conformance-suite.mjs';

defineConformanceSuite('stdio');

import { afterAll } from 'vitest';
import { cleanUp } from './helpers/hermetic.js';

// Every test file: its child processes and temporary folders are gone when it ends.
afterAll(cleanUp);

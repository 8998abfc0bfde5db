import { MemoryStore } from '../../src/storage/memory-store.js';
import type { Store } from '../../src/storage/store.js';
import { storeContract } from './store-contract.js';

// Compile-time check that the class fits the interface.
const _fits: Store = new MemoryStore();
void _fits;

storeContract('memory', async () => ({ store: new MemoryStore(), cleanup: async () => {} }));

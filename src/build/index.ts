export * from './dockerfile/index.js';
export * from './builder/index.js';
